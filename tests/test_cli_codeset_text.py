"""`claimkit codeset list` and `show` as people read them (issue 13, CLI rough edges): every
line whole, a warning on a line of its own, the source column never cut, and no file cited that
the installed package does not ship."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

import claimkit
from claimkit.cli.app import app

EXE = Path(sys.executable).with_name("claimkit")


def test_list_shows_every_source_whole_in_aligned_columns() -> None:
    res = CliRunner().invoke(app, ["codeset", "list"])
    assert res.exit_code == 0, res.stderr
    rows = res.stdout.splitlines()
    from claimkit.codesets import default_registry

    rels = default_registry().releases(None)
    assert len(rows) == len(rels)
    for row, rel in zip(rows, rels):
        assert rel.source in row, (rel.source, row)  # the whole source, not its first 70 characters
    # the date column starts at the same place on every row, even after "therapy-threshold"
    starts = {row.index(" .. ") - 10 for row in rows if re.search(r"\d{4}-\d\d-\d\d \.\. ", row)}
    assert len(starts) == 1, starts


def test_list_cites_no_file_that_is_not_shipped() -> None:
    """Bundled sources say where the data came from without pointing at paths outside the
    package (the repository's ../shared data is not installed with claimkit)."""
    res = CliRunner().invoke(app, ["codeset", "list", "-f", "json"])
    import json

    data_root = Path(claimkit.__file__).resolve().parent
    for rel in json.loads(res.stdout):
        if rel["origin"] != "bundled":
            continue
        source = rel["source"]
        assert "../" not in source and "shared/" not in source, source
        for path in re.findall(r"(?<![\w:/])((?:[\w.-]+/)+[\w.-]+\.(?:csv|tsv|txt|zip|xml|json))", source):
            assert any(data_root.rglob(Path(path).name)), f"{rel['system']} cites {path}, not shipped"


def test_show_ends_every_line_before_a_warning() -> None:
    """stdout and stderr on one terminal: the last attribute (a note) has its newline before the
    carried-forward warning starts, so the two never run together."""
    proc = subprocess.run([str(EXE), "codeset", "show", "GP", "--on", "2030-01-05"], capture_output=False,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout
    lines = proc.stdout.splitlines()
    assert proc.stdout.endswith("\n")
    assert any(ln.startswith("  note: ") for ln in lines), lines
    (warning,) = [ln for ln in lines if "warning" in ln]
    assert warning.startswith("warning: modifier release therapy-modifiers-2026 ended 2026-12-31"), warning
    assert lines.index(warning) == len(lines) - 1  # after every line of the answer, on its own


def test_show_quiet_drops_the_warning_and_keeps_the_answer() -> None:
    res = CliRunner().invoke(app, ["codeset", "show", "GP", "--on", "2030-01-05", "-q"])
    assert res.exit_code == 0 and res.stderr == ""
    assert res.stdout.startswith("modifier GP on 2030-01-05: billable") and res.stdout.endswith("\n")


def test_show_keeps_an_attribute_on_one_line(monkeypatch) -> None:
    """A value holding line breaks (an imported note) stays one line of the answer."""
    from claimkit.codesets import registry as reg_mod

    real = reg_mod.Registry.lookup

    def lookup(self, system, code, on):
        import dataclasses

        found = real(self, system, code, on)  # (a copy: the registry's own answer stays as it was)
        return dataclasses.replace(found, attrs={**found.attrs, "note": "first line\nsecond line"})

    monkeypatch.setattr(reg_mod.Registry, "lookup", lookup)
    res = CliRunner().invoke(app, ["codeset", "show", "97110", "--on", "2026-01-05"])
    assert res.exit_code == 0, res.stderr
    assert "  note: first line second line\n" in res.stdout
