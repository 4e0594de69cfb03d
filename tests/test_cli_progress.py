"""Progress people can read (issue 14 item 4): every long command shows a total and a
percentage on stderr when stderr is a terminal, and nothing at all in a pipe, a CI log or
with --quiet. The terminal is a real pseudo-terminal on the installed ``claimkit``."""
from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest
from _pty import on_terminal
from typer.testing import CliRunner

import claimkit
from claimkit.cli.app import app

EXE = Path(sys.executable).with_name("claimkit")
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")


def _on_terminal(args: list[str], cwd: Path) -> tuple[int, str]:
    """Run claimkit with stderr on a pseudo-terminal (stdout to a file); return (exit, stderr)."""
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "CI")}
    with open(cwd / "stdout.txt", "wb") as out:
        code, err = on_terminal([str(EXE), *args], cwd=cwd, env=env | {"TERM": "xterm-256color"}, stdout=out)
    return code, re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", err)


@pytest.fixture(scope="module")
def files(tmp_path_factory, repo: Path) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("progress")
    x12 = d / "claims.x12"
    x12.write_bytes((repo / "tests" / "golden" / "demo-837p.x12").read_bytes())
    claims = d / "claims.json"
    assert CliRunner().invoke(app, ["parse", str(x12), "-o", str(claims), "-q"]).exit_code == 0
    csv = d / "procedure.csv"
    res = CliRunner().invoke(app, ["codeset", "export", "procedure", "--on", "2026-01-05", "-o", str(csv)])
    assert res.exit_code == 0, res.stderr
    return {"x12": x12, "json": claims, "csv": csv, "dir": d}


def test_claims_are_counted_from_the_bytes(files) -> None:
    """The totals: an 837P's CLM segments, a claims file's claims; None for anything else."""
    assert claimkit.count_claims(files["x12"]) == 40
    assert claimkit.count_claims(files["json"]) == 40
    assert claimkit.count_claims(files["csv"]) is None


def test_count_sees_a_claim_split_between_blocks(tmp_path: Path, files) -> None:
    """A CLM segment straddling the 1 MiB read boundary is counted once."""
    from claimkit import estimate

    text = files["x12"].read_bytes()
    at = text.index(b"CLM*")
    pad = estimate._BLOCK - 1 - at  # "C" ends the first block, "LM*" starts the next
    head_end = text.index(b"~", 100) + 1  # after the ISA segment
    cut = text[:head_end] + b"\n" * pad + text[head_end:]
    assert cut[estimate._BLOCK - 1:estimate._BLOCK + 3] == b"CLM*"
    f = tmp_path / "big.x12"
    f.write_bytes(cut)
    assert claimkit.count_claims(f) == 40


@pytest.mark.parametrize("command, label", [
    (["validate", "{x12}", "-o", "report.txt"], "validating claims"),
    (["validate", "{x12}", "{json}", "-o", "report.txt"], "validating claims"),
    (["parse", "{x12}", "-o", "out.json"], "parsing claims"),
    (["export", "{json}", "--to", "x12", "-o", "out.x12"], "exporting claims"),
    (["validate", "{x12}", "--ack", "999", "-o", "ack.x12", "--accepted", "ok.x12", "--rejects", "r.json"],
     "validating claims"),
])
def test_progress_with_a_total_on_a_terminal(files, command, label) -> None:
    args = [a.format(x12=files["x12"], json=files["json"]) for a in command]
    code, err = _on_terminal(args, files["dir"])
    assert code == 0, err
    total = 80 if str(files["json"]) in args and "validate" in args else 40
    assert label in err and "%" in err and f"/{total}" in err, err
    # quiet: nothing but errors, on a terminal too
    code, err = _on_terminal([*args, "-q"], files["dir"])
    assert code == 0 and err == "", err


def test_codeset_import_progress_counts_files(files, tmp_path: Path) -> None:
    code, err = _on_terminal(["codeset", "import", "procedure", str(files["csv"]), "--store", str(tmp_path),
                              "--release", "p-2027", "--effective-from", "2027-01-01"], files["dir"])
    assert code == 0, err
    assert "importing procedure" in err and "/1" in err and "%" in err, err
    assert "imported procedure p-2027" in err


@pytest.mark.parametrize("command", [
    ["validate", "{x12}"],
    ["parse", "{x12}"],
    ["export", "{json}", "--to", "x12"],
])
def test_no_progress_without_a_terminal(files, command) -> None:
    """CliRunner's stderr is no terminal (as in CI or a pipe): only the findings and summary."""
    args = [a.format(x12=files["x12"], json=files["json"]) for a in command]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.stderr
    assert "claims:" not in res.stderr and "%" not in res.stderr and "\x1b" not in res.stderr
    assert all(not ln.startswith(("validating", "parsing", "exporting")) for ln in res.stderr.splitlines())


class _Tty:
    """A stderr that says it is a terminal and keeps what is written."""

    def __init__(self) -> None:
        import io

        self.buf = io.StringIO()

    def isatty(self) -> bool:
        return True

    def write(self, text: str) -> int:
        return self.buf.write(text)

    def flush(self) -> None:
        pass


def test_files_progress_totals(files, demo_dir: Path) -> None:
    """Claims when every file can be counted; files when one cannot (sessions become claims
    only when built); a lone uncountable file counts without a total."""
    from claimkit.cli._progress import files_progress

    def shown(paths: list[Path], calls: list[tuple[str, int]]) -> str:
        out = _Tty()
        with files_progress("validating claims", paths, stream=out, every=1) as progress:
            for f, n in calls:
                progress(f, n)
        return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", out.buf.getvalue())

    both = shown([files["x12"], files["json"]], [("a", 1), ("b", 1)])
    assert "/80" in both and "%" in both
    mixed = shown([files["x12"], demo_dir / "sessions.jsonl"], [("a", 40), ("b", 1)])
    assert "1/2" in mixed and "%" in mixed
    alone = shown([demo_dir / "sessions.jsonl"], [("b", 5)])
    assert "validating claims: " in alone and "%" not in alone
