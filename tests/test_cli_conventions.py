"""CLI conventions every command shares: --version, short flags, help text, error style, colour."""
from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import typer
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
def test_every_option_has_help_and_flags_show_no_type(name):
    cmd = COMMANDS[name]
    for p in _options(cmd):
        assert (p.help or "").strip(), f"{name} {p.opts[0]} has no help text"
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
    import pty

    leader, follower = pty.openpty()
    proc = subprocess.Popen(cmd, env=env, stdin=follower, stdout=follower, stderr=follower)
    os.close(follower)
    out = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    os.close(leader)
    proc.wait(timeout=60)
    return out.decode(errors="replace")


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_colour_on_a_terminal_only_and_no_color_honoured():
    assert "\x1b[" in _run_help({}, tty=True)  # the check below can see colour at all
    assert "\x1b[" not in _run_help({"NO_COLOR": "1"}, tty=True)
    assert "\x1b[" not in _run_help({}, tty=False)
    assert "\x1b[" not in _run_help({"GITHUB_ACTIONS": "true"}, tty=False)
