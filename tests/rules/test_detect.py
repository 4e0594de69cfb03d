"""Input kind detection by content (never by file suffix)."""
from __future__ import annotations

import pytest

from claimkit.validation import detect_kind

CLAIM = b'{"claim_id": "A1", "lines": []}'


@pytest.mark.parametrize("head,kind", [
    (b"ISA*00*", "x12"),
    (b"\xef\xbb\xbf\r\n  \tISA*00*", "x12"),
    (b'{"claims": []}', "claims"),
    (b'{"schema": "urn:claimkit:claims:1.0", "claims": [' + CLAIM + b"]}", "claims"),
    (b"[" + CLAIM + b"]", "claims"),
    (CLAIM, "claims"),
    (b'<?xml version="1.0"?><claims/>', "claims"),
    (b'[{"session_id": "S1", "services": []}]', "sessions"),
    (b'{"session_id": "S1"}\n{"session_id": "S2"}\n', "sessions"),
    (b'{"claim_id": "A1", "lines": []}\n{"claim_id": "A2", "lines": []}\n', "claims"),
    (b"session_id,date_of_service\nS1,2024-01-10\n", "sessions"),
    (b"- session_id: S1\n  date_of_service: 2024-01-10\n", "sessions"),
    (b'{"claims": [' + CLAIM * 1 + b", ", "claims"),  # a big file cut at the sniff limit
])
def test_detect_kind(head: bytes, kind: str) -> None:
    assert detect_kind(head) == kind
