"""The documented session examples load and build (docs must not drift from the code)."""
from __future__ import annotations

import re

from claimkit.builder import build_claims
from claimkit.loaders import load_sessions


def _blocks(text: str, lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", text, flags=re.S)


def test_sessions_doc_examples_build(repo, tmp_path, registry, demo_practice):
    text = (repo / "docs" / "sessions.md").read_text()
    (json_block,) = _blocks(text, "json")
    (csv_block,) = _blocks(text, "csv")
    (tmp_path / "a.json").write_text(json_block)
    (tmp_path / "b.csv").write_text(csv_block)
    a = build_claims(load_sessions(tmp_path / "a.json"), demo_practice, registry)
    b = build_claims(load_sessions(tmp_path / "b.csv"), demo_practice, registry)
    assert [c.claim_id for c in a.claims] == ["S0042"] and a.claims[0].patient is not None
    assert [(ln.code, ln.units) for ln in b.claims[0].lines] == [("97112", 2), ("97110", 1)]
    section = text.split("## Flat CSV")[1].split("Required")[0]
    documented = {c.strip() for block in re.findall(r"`([^`]+)`", section, flags=re.S)
                  for c in block.split(",")}
    from claimkit.csvformat import CSV_COLUMNS
    assert set(CSV_COLUMNS) <= documented


# --- README examples of init, preview, the HTML report, fix and the Python API ----------------
README_SECTIONS = ("## Starting a practice: `claimkit init`", "### An HTML report",
                   "## Seeing claims as the CMS-1500: `claimkit preview`",
                   "## Repairing format slips: `claimkit fix`")


def _section(text: str, heading: str) -> str:
    start = text.index(heading + "\n") + len(heading)
    nxt = re.search(r"\n#{2,3} ", text[start:])
    return text[start:start + nxt.start()] if nxt else text[start:]


def _commands(block: str) -> list[list[str]]:
    """The `claimkit ...` commands of a bash block (continuations joined, comments dropped)."""
    import shlex

    joined = block.replace("\\\n", " ")
    return [shlex.split(line, comments=True) for line in joined.splitlines()
            if line.strip().startswith("claimkit ")]


def _readme_commands(repo) -> list[list[str]]:
    text = (repo / "README.md").read_text()
    out = []
    for heading in README_SECTIONS:
        for block in _blocks(_section(text, heading), "bash"):
            out += _commands(block)
    return out


def test_readme_examples_run(repo, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from claimkit.cli.app import app

    (tmp_path / "fixtures").symlink_to(repo / "fixtures")
    monkeypatch.chdir(tmp_path)
    commands = _readme_commands(repo)
    names = [c[1] for c in commands]
    assert {"init", "validate", "preview", "fix"} <= set(names), names
    for argv in commands:
        assert argv[0] == "claimkit"
        res = CliRunner().invoke(app, argv[1:])
        assert "Traceback" not in res.output
        assert res.exception is None or isinstance(res.exception, SystemExit), argv
        if "--check" in argv:
            assert res.exit_code == 1, (argv, res.stderr)  # the slips file needs repairs
        elif argv[1] == "validate":
            assert res.exit_code in (0, 1), (argv, res.stderr)  # findings or none, never unusable
        else:
            assert res.exit_code == 0, (argv, res.stderr)
        for flag in ("-o", "--html"):
            if flag in argv and argv[1] != "init":
                assert (tmp_path / argv[argv.index(flag) + 1]).stat().st_size > 0, argv
    assert (tmp_path / "claimkit.toml").is_file()  # init wrote the starter configuration
    assert "<table>" in (tmp_path / "report.html").read_text()


def test_readme_python_api_example_runs(repo, tmp_path, monkeypatch):
    text = (repo / "README.md").read_text()
    (block,) = _blocks(_section(text, "## Python API"), "python")
    (tmp_path / "fixtures").symlink_to(repo / "fixtures")
    monkeypatch.chdir(tmp_path)
    scope: dict = {}
    exec(compile(block, "README.md", "exec"), scope)  # noqa: S102 (our own documentation)
    n = len(scope["outcome"].claims)
    assert scope["x12"].startswith("ISA*") and n > 30 and scope["x12"].count("\nCLM*") == n
    assert len(scope["parts"].accepted) + len(scope["parts"].rejected) == n


def test_changelog_names_the_packaged_version(repo):
    from importlib.metadata import version

    text = (repo / "CHANGELOG.md").read_text()
    first = re.search(r"^## \[([^\]]+)\]", text, flags=re.M)
    assert first and first.group(1) == version("claimkit")  # the one version source: pyproject
