"""CLI conventions every command shares: --version, short flags, help text, error style, colour."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import typer
from _pty import on_terminal
from typer.testing import CliRunner

from claimkit.cli.app import app

runner = CliRunner()
EXE = Path(sys.executable).with_name("claimkit")


def invoke(*args: str, **kw):
    return runner.invoke(app, list(args), **kw)


def _commands(cmd, path=("claimkit",)):
    subs = getattr(cmd, "commands", None)
    if subs:
        for name, sub in subs.items():
            yield from _commands(sub, (*path, name))
    else:
        yield " ".join(path), cmd


COMMANDS = dict(_commands(typer.main.get_command(app)))


def _options(cmd):
    return [p for p in cmd.params if p.param_type_name == "option"]


# -- --version -------------------------------------------------------------------------------
def test_version_is_pyproject_version(repo):
    want = tomllib.loads((repo / "pyproject.toml").read_text())["project"]["version"]
    res = invoke("--version")
    assert res.exit_code == 0 and res.stdout == f"claimkit {want}\n"


def test_version_has_one_source(repo):
    """No second copy of the version in the code: it comes from the installed metadata."""
    want = tomllib.loads((repo / "pyproject.toml").read_text())["project"]["version"]
    for folder in ("claimkit", "cli"):
        for py in (repo / folder).rglob("*.py"):
            assert f'"{want}"' not in py.read_text(encoding="utf-8"), py


# -- flags -----------------------------------------------------------------------------------
SHORT = {"--config": "-c", "--format": "-f", "--output": "-o", "--quiet": "-q", "--verbose": "-v"}


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_same_short_flags_everywhere(name):
    cmd = COMMANDS[name]
    opts = {o for p in _options(cmd) for o in p.opts}
    assert {"--quiet", "--verbose"} <= opts, name
    for long, short in SHORT.items():
        if long in opts:
            (param,) = [p for p in _options(cmd) if long in p.opts]
            assert short in param.opts, f"{name} {long} lacks {short}"
    # a short flag means the same thing in every command
    for p in _options(cmd):
        for o in p.opts:
            if o in SHORT.values():
                assert SHORT[next(lg for lg in p.opts if lg.startswith("--"))] == o, (name, p.opts)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_option_has_help_and_flags_show_no_type(name):
    cmd = COMMANDS[name]
    for p in cmd.params:  # options and arguments alike
        assert (getattr(p, "help", None) or "").strip(), f"{name} {p.opts[0]} has no help text"
    res = invoke(*name.split()[1:], "--help")
    assert res.exit_code == 0, res.output
    assert "<bool>" not in res.stdout and "Show this message" in res.stdout


# -- one error style -------------------------------------------------------------------------
@pytest.mark.parametrize("args, needle", [
    (["build", "--to", "foo"], "'foo' is not one of 'x12', 'xml', 'json'"),
    (["build", "--control-number", "0"], "--control-number"),
    (["validate"], "missing argument"),
    (["validate", "x.x12", "--fail-on", "bad"], "'bad' is not one of"),
    (["nocmd"], "no such command 'nocmd'"),
    (["units", "--nope", "97110=30"], "no such option: --nope"),
    (["codeset", "show", "97110"], "missing option '--on'"),
])
def test_usage_errors_are_one_line(args, needle):
    res = invoke(*args)
    assert res.exit_code == 2
    assert res.stdout == ""
    lines = res.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0], res.stderr
    assert "Value error" not in res.stderr and "╭" not in res.stderr


# -- colour ----------------------------------------------------------------------------------
def _run_help(env_extra: dict[str, str], *, tty: bool) -> str:
    env = {k: v for k, v in os.environ.items()
           if k not in ("NO_COLOR", "FORCE_COLOR", "GITHUB_ACTIONS", "PY_COLORS", "TERM")}
    env |= {"TERM": "xterm-256color", **env_extra}
    cmd = [str(EXE), "build", "--help"]
    if not tty:
        return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60).stdout
    return on_terminal(cmd, env=env, stdin=True, timeout=60)[1]


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_colour_on_a_terminal_only_and_no_color_honoured():
    assert "\x1b[" in _run_help({}, tty=True)  # the check below can see colour at all
    assert "\x1b[" not in _run_help({"NO_COLOR": "1"}, tty=True)
    assert "\x1b[" not in _run_help({}, tty=False)
    assert "\x1b[" not in _run_help({"GITHUB_ACTIONS": "true"}, tty=False)


# -- --quiet / --verbose ---------------------------------------------------------------------
def _build(demo_dir, tmp_path, *flags: str, src: Path | None = None):
    out = tmp_path / "o.x12"
    return runner.invoke(app, ["build", str(src or demo_dir / "sessions.jsonl"), "-c",
                               str(demo_dir / "claimkit.toml"), "-o", str(out), "--timestamp",
                               "2026-01-05T09:30", *flags])


def test_build_summarises_info_findings_unless_verbose(demo_dir, tmp_path):
    res = _build(demo_dir, tmp_path)
    assert res.exit_code == 0, res.stderr
    assert " info CK-" not in res.stderr  # not one line per claim
    assert "6 info finding(s) not listed (CK-U001 x4, CK-U004 x2); --verbose lists them" in res.stderr
    assert "built 40 claim(s)" in res.stderr
    verbose = _build(demo_dir, tmp_path, "--verbose")
    assert verbose.exit_code == 0 and verbose.stderr.count(" info CK-") == 6
    assert _build(demo_dir, tmp_path, "-v").stderr == verbose.stderr


def test_quiet_prints_nothing_but_errors(demo_dir, tmp_path):
    res = _build(demo_dir, tmp_path, "-q")
    assert res.exit_code == 0 and res.stderr == "" and (tmp_path / "o.x12").read_text().startswith("ISA*")
    recs = [json.loads(line) for line in (demo_dir / "sessions.jsonl").read_text().splitlines()[:7]]
    recs[0]["services"].append({"code": "97129", "minutes": 30})  # initial+add-on: units needed
    src = tmp_path / "s.json"
    src.write_text(json.dumps(recs))
    (tmp_path / "o.x12").unlink()
    res = _build(demo_dir, tmp_path, "--quiet", src=src)
    assert res.exit_code == 1 and not (tmp_path / "o.x12").exists()
    lines = res.stderr.splitlines()
    assert lines and all(" error CK-" in ln or ln.startswith(("    fix:", "error: ")) for ln in lines), lines
    assert any("CK-U002" in ln for ln in lines) and lines[-1].startswith("error: ")


def test_quiet_on_other_commands(demo_dir, tmp_path):
    claims = tmp_path / "c.json"
    assert _build(demo_dir, tmp_path, "-q").exit_code == 0
    res = invoke("parse", str(tmp_path / "o.x12"), "-o", str(claims), "-q")
    assert res.exit_code == 0 and res.stderr == "" and claims.is_file()
    res = invoke("parse", str(tmp_path / "o.x12"), "-o", str(claims), "-v")
    assert res.stderr.count("line(s)") == 40 and "parsed 40 claim(s)" in res.stderr
    res = invoke("export", str(claims), "--to", "xml", "-o", str(tmp_path / "c.xml"), "--quiet")
    assert res.exit_code == 0 and res.stderr == ""


def test_quiet_and_verbose_exclude_each_other():
    res = invoke("rules", "list", "-q", "-v")
    assert res.exit_code == 2 and res.stderr == "error: --quiet and --verbose exclude each other\n"


def test_validate_verbose_names_each_file_and_quiet_keeps_the_report(repo, tmp_path):
    ref = str(repo / "tests" / "golden" / "demo-837p.x12")
    res = invoke("validate", ref, "-v", "-f", "json", "-o", str(tmp_path / "r.json"))
    assert res.exit_code == 0 and f"{ref}: x12, 40 claim(s)" in res.stderr
    quiet = invoke("validate", ref, "-q", "-f", "json")
    assert quiet.exit_code == 0 and quiet.stderr == "" and json.loads(quiet.stdout)["summary"]


# -- help style ------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_help_texts_share_one_style(name):
    """Option and argument help: a lowercase phrase without a closing period (a leading code
    or abbreviation such as ISA13, ZIP or ID stays as written); one --format wording per kind."""
    cmd = COMMANDS[name]
    for p in cmd.params:
        text = (getattr(p, "help", None) or "").strip()
        if not text:
            continue
        first = text.split()[0]
        assert not (first[0].isupper() and first[1:2].islower()), f"{name} {p.name}: {text!r}"
        assert not text.endswith("."), f"{name} {p.name}: {text!r}"
        if "--format" in getattr(p, "opts", ()) and name != "claimkit validate":  # (validate: the report's)
            assert text == "output format: text or json", (name, text)
    quiet = [p for p in cmd.params if "--quiet" in p.opts]
    verbose = [p for p in cmd.params if "--verbose" in p.opts]
    assert quiet[0].help == COMMANDS["claimkit validate"].params[-2].help
    assert verbose[0].help == COMMANDS["claimkit validate"].params[-1].help


# -- runtime errors: one style ----------------------------------------------------------------
@pytest.mark.parametrize("args, needle", [
    (["parse", "missing.x12"], "missing.x12: no such file"),
    (["export", "missing.json", "--to", "xml"], "missing.json: no such file"),
    (["fix", "missing.csv"], "missing.csv: no such file"),
    (["preview", "missing.x12"], "missing.x12: no such file"),
    (["codeset", "show", "97110", "--on", "05/01/2026"], "--on: expected a date as YYYY-MM-DD"),
    (["units", "97110"], "expected CODE=MINUTES"),
    (["rules", "explain", "CK-NOPE"], "no rule 'CK-NOPE'"),
    (["validate", "a.x12", "b.x12", "--ack", "999"], "take exactly one 837P file"),
])
def test_errors_are_one_plain_line_off_a_terminal(args, needle, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("a.x12", "b.x12"):
        (tmp_path / name).write_text("ISA*00*")
    res = invoke(*args)
    assert res.exit_code == 2 and res.stdout == ""
    lines = res.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0], res.stderr
    assert "\x1b[" not in res.stderr and "Traceback" not in res.stderr


def _stderr_on_terminal(args: list[str], env_extra: dict[str, str]) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")} | env_extra
    return on_terminal([str(EXE), *args], env=env, stdout=subprocess.DEVNULL, timeout=60)[1]


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_error_prefix_coloured_on_a_terminal_only():
    """The same error line everywhere; on a terminal its "error:" is red, unless NO_COLOR."""
    coloured = _stderr_on_terminal(["parse", "missing.x12"], {})
    assert "\x1b[" in coloured and "error" in coloured and "missing.x12: no such file" in coloured
    plain = _stderr_on_terminal(["parse", "missing.x12"], {"NO_COLOR": "1"})
    assert "\x1b[" not in plain and plain.strip() == "error: missing.x12: no such file"
    usage = _stderr_on_terminal(["units", "--nope"], {})  # a usage error: the same style
    assert "\x1b[" in usage and "no such option: --nope" in usage


# -- validate: the text report counts info findings unless --verbose ---------------------------
def test_validate_text_report_summarises_info_findings(demo_dir):
    sessions = str(demo_dir / "sessions.jsonl")
    cfg = str(demo_dir / "claimkit.toml")
    res = invoke("validate", sessions, "-c", cfg)
    assert res.exit_code == 0, res.stderr
    assert " info CK-" not in res.stdout
    lines = res.stdout.splitlines()
    assert lines[-2] == "6 info finding(s) not listed (CK-U001 x4, CK-U004 x2); --verbose lists them"
    assert lines[-1].startswith("0 error(s), 0 warning(s), 6 info in 1 file(s)")
    verbose = invoke("validate", sessions, "-c", cfg, "-v")
    assert verbose.stdout.count(" info CK-") == 6 and "not listed" not in verbose.stdout
    as_json = json.loads(invoke("validate", sessions, "-c", cfg, "-f", "json").stdout)
    assert sum(1 for f in as_json["findings"] if f["severity"] == "info") == 6  # data keeps them all
