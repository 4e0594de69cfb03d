"""Input kinds for validation: detection by content, and claims JSON / JSON Lines reading.

837P files are read by ``claimkit.rules.scan.parser``, claims XML by ``claimkit.xml.reader`` and session
files by ``claimkit.loaders``; this module decides which and reads claims JSON itself.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from pydantic import ValidationError

from claimkit.diagnostics import Location
from claimkit.errors import InputError
from claimkit.models.claim import Claim

KINDS = ("auto", "x12", "claims", "sessions")
_WS = b" \t\r\n\x0b\x0c"
_BOM = b"\xef\xbb\xbf"
_SNIFF = 64 * 1024


def detect_kind(head: bytes, name: str = "") -> str:
    """'x12' | 'claims' | 'sessions' from the first bytes of a file (content, not suffix)."""
    text = head[len(_BOM):] if head.startswith(_BOM) else head
    text = text.lstrip(_WS)
    if text[:3] == b"ISA":
        return "x12"
    if text[:1] == b"<":
        return "claims"  # claims XML (claimkit's XSD); read by claimkit.xml.reader
    if text[:1] in (b"{", b"["):
        return _json_kind(text, name)
    return "sessions"  # CSV or YAML session records; the loader reports what it cannot read


def _json_kind(text: bytes, name: str) -> str:
    """Claims JSON: an object with "claims", a claim object, or a list of claim objects."""
    try:
        data = json.loads(text)
    except ValueError:
        # Truncated sniff of a big file, or JSONL: decide on the first record's shape.
        first = text.split(b"\n", 1)[0]
        try:
            data = json.loads(first)
        except ValueError:
            return "claims" if b'"claim_id"' in text[:_SNIFF] and b'"lines"' in text[:_SNIFF] else "sessions"
    if isinstance(data, dict) and "claims" in data:
        return "claims"
    sample = data[0] if isinstance(data, list) and data else data
    if isinstance(sample, dict) and "claim_id" in sample and "lines" in sample:
        return "claims"
    return "sessions"


def _first_byte(path: Path) -> bytes:
    with open(path, "rb") as fh:
        head = fh.read(4096)
    return head.removeprefix(_BOM).lstrip(_WS)[:1]


def sniff(path: Path) -> str:
    try:
        with open(path, "rb") as fh:
            head = fh.read(_SNIFF)
    except IsADirectoryError:
        raise InputError("is a directory, not a file", file=str(path)) from None
    except OSError as exc:
        raise InputError(exc.strerror or "cannot read", file=str(path)) from None
    if not head.strip(_WS + _BOM):
        raise InputError("the file is empty", file=str(path))
    return detect_kind(head, path.name)


@dataclass(frozen=True)
class JsonClaimOrigin:
    """Locations in a claims JSON file: the claim (by its ID) and line number."""

    file: str
    claim_id: str

    def locate(self, line: int | None, field: str | None) -> Location:
        return Location(file=self.file, claim_id=self.claim_id, line=line, field=field)


def load_claims_json(path: Path) -> Iterator[tuple[Claim, JsonClaimOrigin]]:
    """Claims from a JSON file: {"claims": [...]}, a list of claims, or one claim.

    ``total_charge`` as written by claimkit is the stated total (kept as ``stated_total`` when
    the model has that field, so CK-B001 checks it).
    """
    name = str(path)
    raw = path.read_bytes()
    try:
        data = json.loads(raw)
    except ValueError as exc:
        data = _jsonl(raw, name, exc)
    if isinstance(data, dict) and "claims" in data:
        items = data["claims"]
    elif isinstance(data, list):
        items = data
    else:
        items = [data]
    if not isinstance(items, list):
        raise InputError('"claims" is not a list', file=name)
    has_stated = "stated_total" in Claim.model_fields
    for i, item in enumerate(items):
        where = f"claims[{i}]"
        if not isinstance(item, dict):
            raise InputError("a claim is not an object", file=name, where=where)
        item = dict(item)
        stated = item.pop("total_charge", None)
        if has_stated and stated is not None and item.get("stated_total") is None:
            item["stated_total"] = stated
        try:
            claim = Claim.model_validate(item)
        except ValidationError as exc:
            e = exc.errors()[0]
            loc = ".".join(str(p) for p in e["loc"]) or "(claim)"
            more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
            cid = item.get("claim_id")
            raise InputError(f"{loc}: {e['msg']}{more}", file=name,
                             where=f"{where} (claim {cid})" if isinstance(cid, str) else where) from None
        yield claim, JsonClaimOrigin(name, claim.claim_id)


def _jsonl(raw: bytes, name: str, first_error: ValueError) -> list[Any]:
    """One claim per line (JSON Lines); the original error when the file is not that either."""
    lines = [(n, ln) for n, ln in enumerate(raw.splitlines(), start=1) if ln.strip()]
    if len(lines) < 2 or not lines[0][1].lstrip().startswith(b"{"):
        raise InputError(f"not valid JSON: {first_error}", file=name) from None
    out = []
    for n, ln in lines:
        try:
            out.append(json.loads(ln))
        except ValueError as exc:
            raise InputError(f"not valid JSON: {exc}", file=name, where=f"line {n}") from None
    return out
