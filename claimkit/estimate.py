"""How many claims a file holds, counted from its bytes without parsing it: the total of a
progress bar (issue 14 item 4). A count, not a check: hostile or odd files only give a wrong
total, never an error, and memory stays flat (the file is read in blocks).
"""
from __future__ import annotations

import re
from pathlib import Path

_BLOCK = 1 << 20
_TAIL = 32  # longer than any match below, so a match split between blocks is still seen


def _pattern(head: bytes) -> re.Pattern[bytes] | None:
    """What starts a claim in this file: an 837P's CLM segment (its separators come from the
    fixed-width ISA, TR3 appendix B.1.1.2), a claims JSON "claim_id" key (in a document with a
    "claims" list: session files in JSON have none) or an XML <claim>."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text[:3] == b"ISA" and len(text) >= 106:
        sep, term = text[3:4], text[105:106]
        return re.compile(re.escape(term) + rb"\s{0,4}CLM" + re.escape(sep))
    if text[:1] == b"{" and re.search(rb'urn:claimkit:claims|"claims"\s{0,4}:', text):  # not sessions
        return re.compile(rb'"claim_id"\s{0,4}:')
    if text[:1] == b"<":
        return re.compile(rb"<(?:\w+:)?claim[\s>]")
    return None


def count_claims(path: str | Path) -> int | None:
    """The claims in an 837P, claims JSON or claims XML file; None for any other file or one
    that cannot be read (a progress line then counts without a total)."""
    try:
        with open(path, "rb") as fh:
            block = fh.read(_BLOCK)
            pattern = _pattern(block)  # (the first block: a claims list may follow a long head)
            if pattern is None:
                return None
            count, tail = 0, b""
            while block:
                buf = tail + block
                # a match wholly inside the previous tail was counted with the previous block
                count += sum(1 for m in pattern.finditer(buf) if m.end() > len(tail))
                tail = buf[-_TAIL:]
                block = fh.read(_BLOCK)
            return count
    except OSError:
        return None
