"""Input kinds for validation: detection by content, and claims JSON / JSON Lines reading.

837P files are read by ``claimkit.rules.scan.parser``, claims XML by ``claimkit.xml.reader`` and session
files by ``claimkit.loaders``; this module decides which and reads claims JSON itself.
"""
from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from pydantic import ValidationError

from claimkit import limits
from claimkit.diagnostics import Location
from claimkit.errors import InputError
from claimkit.models import edge
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


def _shape(text: bytes) -> Any:
    """The decoded JSON for its shape only: numbers are not converted (a 5,000-digit number
    costs nothing here) and nesting past Python's recursion limit is a ValueError."""
    try:
        return json.loads(text, parse_int=_zero, parse_float=_zero, parse_constant=_zero)
    except RecursionError:
        raise ValueError("nested too deeply") from None


def _zero(_text: str) -> int:
    return 0


def _json_kind(text: bytes, name: str) -> str:
    """Claims JSON: an object with "claims", a claim object, or a list of claim objects.

    Detection only: it never raises; the loader of the kind chosen reports what is wrong.
    """
    try:
        data = _shape(text)
    except ValueError:
        # Truncated sniff of a big file, JSONL, or JSON too deep: decide on the first record.
        first = text.split(b"\n", 1)[0]
        try:
            data = _shape(first)
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


# -- files that cannot be used ----------------------------------------------------------------
class Unreadable(InputError):
    """The file cannot be opened or read (reported as CK-I001 in a run over several files)."""

    rule = "CK-I001"


class Truncated(InputError):
    """The file ends inside its first segment (CK-I003)."""

    rule = "CK-I003"


def read_head(path: Path) -> bytes:
    """The first bytes of a file, refusing one that cannot be read, is empty or is UTF-16.

    Every input goes through here first, whatever its kind, so these problems get the same
    words whichever reader would have met them.
    """
    name = str(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(_SNIFF)
    except FileNotFoundError:
        raise Unreadable("no such file", file=name) from None
    except PermissionError:
        raise Unreadable("cannot read: permission denied", file=name) from None
    except IsADirectoryError:
        raise Unreadable("is a directory, not a file", file=name) from None
    except OSError as exc:
        raise Unreadable(f"cannot read: {(exc.strerror or 'input/output error').lower()}",
                         file=name) from None
    if not head.strip(_WS + _BOM):
        raise InputError("the file is empty", file=name)
    if is_utf16(head):
        raise InputError("UTF-16 text: save as ASCII/UTF-8", file=name)
    return head


def is_utf16(head: bytes) -> bool:
    """UTF-16 text (a Windows editor's "Unicode"): its byte-order mark, or ASCII text with a
    zero byte in every other position. No X12, JSON, CSV or YAML reader here takes it."""
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return True
    sample = head[:64] if len(head) >= 64 else head[:len(head) - len(head) % 2]
    if len(sample) < 8:
        return False
    even, odd = sample[0::2], sample[1::2]
    return (odd.count(0) == len(odd) and even.count(0) == 0) or (
        even.count(0) == len(even) and odd.count(0) == 0)


_YAML_START = re.compile(rb"^(?:-(?:\s|$)|---|[A-Za-z_\"'][^:\n]*:(?:\s|$))")


def _session_like(text: bytes) -> bool:
    """Could this be session records as CSV or YAML (the kinds detect_kind cannot prove)?
    They always name session_id; otherwise a CSV header line or a YAML mapping or list."""
    if b"session_id" in text:
        return True
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith(b"#"):
            return b"," in line or bool(_YAML_START.match(line))
    return False


def _json_like(text: bytes) -> bool:
    return text.lstrip(_WS)[:1] in (b"{", b"[")


def _x12_start(head: bytes, name: str, whole: bool) -> None:
    """Refuse X12 that has no ISA at all, or stops inside its ISA (``whole``: head is the
    whole file, so what is not in it is not in the file)."""
    text = head.decode("latin-1")
    p = text.find("ISA")
    if p < 0 and whole:
        raise InputError("no ISA segment: not an X12 file", file=name)
    if p >= 0 and whole and len(text.rstrip(" \t\r\n")) - p < ISA_LENGTH - 1:
        raise Truncated(f"truncated: ends inside the ISA segment ({len(text) - p} of its "
                        f"{ISA_LENGTH} characters)", file=name)


ISA_LENGTH = 106  # the ISA with its terminator is fixed width (X12.5)


def x12_truncation(path: Path) -> str | None:
    """"truncated: ends inside ..." when an 837P's last segment has no terminator and is not
    the IEA (a cut file), else None. Reads the ISA (in the first 64 KB) and the last 4 KB."""
    from claimkit.x12.reader import read_segments

    with open(path, "rb") as fh:
        head = fh.read(_SNIFF)
        try:
            isa = next(iter(read_segments(head)))
        except (StopIteration, InputError):
            return None
        term, sep = isa.delimiters.segment, isa.delimiters.element
        fh.seek(0, 2)
        fh.seek(max(0, fh.tell() - 4096))
        tail = fh.read().decode("latin-1")
    tail = tail.rstrip(" \t\r" if term == "\n" else " \t\r\n\x0b\x0c")
    if not tail or tail.endswith(term):
        return None
    pieces = [p.strip() for p in tail.split(term)]
    last = pieces[-1]
    last_isa = max((i for i, p in enumerate(pieces) if p.startswith("ISA")), default=0)
    if any(p.startswith("IEA" + sep) or p == "IEA" for p in pieces[last_isa:]):
        return None  # the last interchange is closed (text after it is CK-X017's, not a cut)
    if sep not in last and len(last) > 3:
        return None  # text that is no segment: outside the interchange, CK-X017 says so
    sid = last.split(sep, 1)[0][:3]
    what = f"a {sid} segment" if sid.isalnum() and sid.isupper() and len(sid) > 1 else "a segment"
    return f"truncated: ends inside {what} (no {term!r} after it and no IEA)"


def sniff(path: Path) -> str:
    """The kind of a file by its content; InputError when it is none claimkit reads."""
    name = str(path)
    head = read_head(path)
    kind = detect_kind(head, path.name)
    text = head[len(_BOM):] if head.startswith(_BOM) else head
    if kind == "sessions" and not _json_like(text) and not _session_like(text):
        kind = "x12"  # junk before an ISA, or not an input at all: the X12 check tells which
    if kind == "x12":
        _x12_start(head, name, whole=len(head) < _SNIFF)
    return kind


@dataclass(frozen=True)
class JsonClaimOrigin:
    """Locations in a claims JSON file: the claim (by its ID) and line number."""

    file: str
    claim_id: str

    def locate(self, line: int | None, field: str | None) -> Location:
        """The claim (and line, field) in the claims file; no row is known."""
        return Location(file=self.file, claim_id=self.claim_id, line=line, field=field)


def load_claims_json(path: Path) -> Iterator[tuple[Claim, JsonClaimOrigin]]:
    """Claims from a JSON file: {"claims": [...]}, a list of claims, or one claim.

    ``total_charge`` as written by claimkit is the stated total (kept as ``stated_total`` when
    the model has that field, so CK-B001 checks it).
    """
    name = str(path)
    text = _text(limits.read_bounded(path, "claims"), name)
    lines: list[int] | None = None  # JSON Lines: the line of each claim
    try:
        data = limits.loads_json(text, file=name)
    except InputError as exc:
        if not exc.detail.startswith("invalid JSON"):
            raise  # nested too deeply: not JSON Lines either
        data, lines = _jsonl(text, name, _worded(exc))
    else:
        _check(data, text, name)
    if isinstance(data, dict) and "claims" in data:
        items = data["claims"]
    elif isinstance(data, list):
        items = data
    else:
        items = [data]
    if not isinstance(items, list):
        raise InputError('"claims" is not a list', file=name)
    has_stated = "stated_total" in {f.name for f in dataclasses.fields(Claim)}
    for i, item in enumerate(items):
        where = f"line {lines[i]}" if lines is not None else f"claims[{i + 1}]"
        if not isinstance(item, dict):
            raise InputError("a claim is not an object", file=name, where=where)
        item = dict(item)
        stated = item.pop("total_charge", None)
        if has_stated and stated is not None and item.get("stated_total") is None:
            item["stated_total"] = stated
        try:
            claim = edge.validate(Claim, item)
        except ValidationError as exc:
            found = edge.errors(exc)
            e = found[0]
            loc = ".".join(str(p) for p in e["loc"]) or "(claim)"
            more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
            cid = item.get("claim_id")
            raise InputError(f"{loc}: {e['msg']}{more}", file=name,
                             where=f"{where} (claim {cid})" if isinstance(cid, str) else where) from None
        yield claim, JsonClaimOrigin(name, claim.claim_id)


def _text(raw: bytes, name: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start})", file=name) from None


def _check(data: Any, text: str, name: str, where: str | None = None) -> None:
    """The limits of :mod:`claimkit.limits` on a decoded tree; the error names the field and,
    when it can be found, the line of the file (``where`` for a JSON Lines record)."""
    for path, problem in limits.problems(data):
        if where is None:
            where = _line_of(data, path, text)
        raise InputError(f"{limits.fmt_path(path) or '(top)'}: {problem}", file=name, where=where)


def _line_of(data: Any, path: tuple, text: str) -> str | None:
    """The line of the value at ``path`` for the messages: a number too long (found by its
    text) or the place where nesting passes the limit."""
    node = data
    for key in path:
        node = node[key]
    at = text.find(node.text) if isinstance(node, limits._MARKERS) else -1
    if at >= 0:
        return f"line {text.count(chr(10), 0, at) + 1}"
    line = limits._line_too_deep(text) if isinstance(node, (dict, list)) else None
    return f"line {line}" if line else None


def _worded(exc: InputError) -> InputError:
    """The parser's error in the words this command always used ("not valid JSON: ...")."""
    if not exc.detail.startswith("invalid JSON: "):
        return exc
    return InputError("not valid JSON: " + exc.detail.removeprefix("invalid JSON: "),
                      file=exc.file, where=exc.where)


def _jsonl(text: str, name: str, first_error: InputError) -> tuple[list[Any], list[int]]:
    """One claim per line (JSON Lines) and the line of each; the original error when the file
    is not that either."""
    lines = [(n, ln) for n, ln in enumerate(text.splitlines(), start=1) if ln.strip()]
    if len(lines) < 2 or not lines[0][1].lstrip().startswith("{"):
        raise first_error
    out = []
    for n, ln in lines:
        try:
            item = limits.loads_json(ln, file=name, where=f"line {n}")
        except InputError as exc:
            raise _worded(exc) from None
        _check(item, ln, name, where=f"line {n}")
        out.append(item)
    return out, [n for n, _ in lines]
