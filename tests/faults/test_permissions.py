"""Output files carry PHI: created without group/other permissions (0600), and a stricter
umask is honoured (0277 gives 0400). Every command that writes files, every kind of output."""
from __future__ import annotations

import os
import stat

import pytest
from typer.testing import CliRunner

from claimkit.cli.app import app

runner = CliRunner()


def _runs(tmp_path, fault, reference):
    o = tmp_path / "o"
    o.mkdir()
    demo_json = tmp_path / "claims.json"
    demo_json.write_text(runner.invoke(app, ["build", "--demo", "--to", "json"]).stdout)
    return [
        (["build", "--demo", "-o", o / "claims.x12", "--rejects", o / "rejects.json"],
         ["claims.x12", "rejects.json"]),
        (["build", "--demo", "--to", "xml", "-o", o / "claims.xml"], ["claims.xml"]),
        (["validate", reference, "--accepted", o / "accepted.x12", "--rejects", o / "r.json",
          "-f", "json", "-o", o / "report.json"], ["accepted.x12", "r.json", "report.json"]),
        (["validate", reference, "--ack", "277ca", "-o", o / "ack277.x12"], ["ack277.x12"]),
        (["validate", reference, "--ack", "999", "-o", o / "ack999.x12", "--report",
          o / "report.txt"], ["ack999.x12", "report.txt"]),
        (["export", demo_json, "--to", "xml", "-o", o / "export.xml"], ["export.xml"]),
        (["parse", reference, "-o", o / "parsed.json"], ["parsed.json"]),
    ], o


@pytest.mark.parametrize("umask, mode", [(0o022, 0o600), (0o077, 0o600), (0o277, 0o400)])
def test_outputs_have_no_group_or_other_bits(tmp_path, fault, reference, umask, mode) -> None:
    runs, o = _runs(tmp_path, fault, reference)
    old = os.umask(umask)
    try:
        for args, files in runs:
            res = runner.invoke(app, [str(a) for a in args])
            assert res.exit_code in (0, 1), (args, res.stderr)
            for name in files:
                got = stat.S_IMODE((o / name).stat().st_mode)
                assert got == mode, f"{args[0]} {name}: {got:04o}"
    finally:
        os.umask(old)
