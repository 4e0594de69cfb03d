"""X12 syntax notes as X12.6 section 5.2.2 defines them (P paired, R required, E exclusion,
C conditional, L list conditional), on the relational conditions the 837P guide lists."""
from __future__ import annotations

import pytest

from claimkit.x12.syntax import broken, compile_notes, notes_ok


@pytest.mark.parametrize("note,els,ok", [
    ("P0304", ["HC:97110", "120", "UN", "2"], True),        # SV1: unit basis and count together
    ("P0304", ["HC:97110", "120", "", "2"], False),
    ("P0304", ["HC:97110", "120"], True),                   # neither: fine
    ("R0203", ["EI", "", ""], False),                       # REF: REF02 or REF03
    ("R0203", ["EI", "", "X"], True),
    ("E0207", ["A", "B", "", "", "", "", "C"], False),      # not both
    ("E0207", ["A", "B"], True),
    ("C0605", ["A", "", "", "", "", "X"], False),           # 06 present needs 05
    ("C0605", ["A", "", "", "", "Y", "X"], True),
    ("C0605", ["A", "", "", "", "Y"], True),                # 05 alone: no condition
    ("L010203", ["A"], False),                              # 01 needs one of 02, 03
    ("L010203", ["A", "", "B"], True),
    ("L010203", ["", "B"], True),
])
def test_syntax_note_semantics(note, els, ok) -> None:
    ((kind, cols),) = compile_notes((note,))
    assert (broken(els, kind, cols) is None) is ok
    assert notes_ok(els, compile_notes((note,))) is ok
