"""`validate --ack 277ca` on an 837P whose patient name holds an É or a control character
(issue 13, "PHI in messages"): it crashed with a traceback that printed the name. Now the 277CA
is written, valid to pyx12, with UNKNOWN where the name cannot be echoed, and no message holds
the name or the member ID."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REFERENCE = Path(__file__).resolve().parents[1] / "x12" / "cases" / "reference.x12"


@pytest.mark.parametrize("bad", ["DO\u00c9", "DO\x01E"], ids=["e-acute", "control-character"])
def test_277ca_for_an_unencodable_name(tmp_path, bad, pyx12_text) -> None:
    src = tmp_path / "in.x12"
    src.write_bytes(REFERENCE.read_text().replace("NM1*IL*1*DOE*", f"NM1*IL*1*{bad}*", 1).encode("utf-8"))
    out = tmp_path / "ack.x12"
    exe = Path(sys.executable).with_name("claimkit")
    proc = subprocess.run([str(exe), "validate", str(src), "--ack", "277ca", "-o", str(out)],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr  # the claim is rejected (CK-X005), not a crash
    assert "Traceback" not in proc.stderr
    for phi in ("DOE", "DO\u00c9", "W123456789", "JOHN"):
        assert phi not in proc.stderr + proc.stdout
    text = out.read_text()
    assert "NM1*QC*1*UNKNOWN*" in text
    ok, theirs = pyx12_text(text)
    assert ok, theirs
