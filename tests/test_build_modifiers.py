"""More than four modifiers on a service line: a finding naming the row, not a silent drop
(issue 12; rule CK-U012)."""
from __future__ import annotations

import csv
import io

from typer.testing import CliRunner

from claimkit.cli.app import app

runner = CliRunner()


def _rows(demo_dir):
    return list(csv.DictReader(io.StringIO((demo_dir / "sessions.csv").read_text())))


def test_gp_plus_four_given_modifiers_is_reported_at_the_csv_row(tmp_path, demo_dir, pyx12_check):
    rows = _rows(demo_dir)
    first = [r for r in rows if r["session_id"] in ("S0001", "S0002")]
    s2 = [r for r in first if r["session_id"] == "S0002"]
    s2[1]["service_modifiers"] = "59 KX XU 76"  # 97110 by a PT: GP goes first -> five
    src = tmp_path / "s.csv"
    with open(src, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(first)
    row = 1 + first.index(s2[1]) + 1  # header is row 1
    out = tmp_path / "out.x12"
    res = runner.invoke(app, ["build", str(src), "-c", str(demo_dir / "claimkit.toml"), "-o", str(out)])
    assert res.exit_code == 1 and not out.exists()
    cells = src.read_text().splitlines()[row - 1].split(",")  # (no quoted cells in these rows)
    col = len(",".join(cells[:list(rows[0]).index("service_modifiers")])) + 2  # the CSV cell itself
    assert f"s.csv:{row}:{col} claim S0002 service_modifiers: error CK-U012" in res.stderr.replace("\n", " ")
    assert "would be dropped" in res.stderr and "76" in res.stderr
    res = runner.invoke(app, ["build", str(src), "-c", str(demo_dir / "claimkit.toml"), "-o", str(out),
                              "--clean-only"])
    assert res.exit_code == 1 and out.exists()
    text = out.read_text()
    assert "CLM*S0002*" not in text and "CLM*S0001*" in text
    assert pyx12_check(out) == (True, [])


def test_four_modifiers_with_gp_given_are_all_written(tmp_path, demo_dir, pyx12_check):
    rows = [r for r in _rows(demo_dir) if r["session_id"] == "S0002"]
    rows[1]["service_modifiers"] = "GP KX XU 76"
    src = tmp_path / "s.csv"
    with open(src, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    out = tmp_path / "out.x12"
    res = runner.invoke(app, ["build", str(src), "-c", str(demo_dir / "claimkit.toml"), "-o", str(out)])
    assert res.exit_code == 0, res.stderr
    assert "SV1*HC:97110:GP:KX:XU:76*" in out.read_text()
    assert pyx12_check(out) == (True, [])
