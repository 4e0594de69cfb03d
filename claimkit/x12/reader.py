"""Tolerant, streaming X12 segment reader: bytes in, :class:`Segment` objects out.

Delimiters are taken from each ISA, as X12.5/X12.6 define them: the element separator is the
4th character of the ISA, the repetition separator is ISA11, the component separator is ISA16
and the segment terminator is the character right after ISA16. Line breaks around segments
(CRLF, LF, one segment per line, one long line) are ignored unless the newline itself is the
terminator. Anything between interchanges is reported as a :class:`Note`, never raised.

The only exception is :class:`~claimkit.errors.InputError` for content with no ISA at all
(it is not X12). Bytes are decoded as Latin-1 so that every byte maps to one character and the
ISA's fixed positions hold; characters outside the X12 character set become findings later.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Iterable, Iterator

from claimkit.errors import InputError
from claimkit.x12.encoder import Delimiters

CHUNK = 1 << 20  # read files 1 MiB at a time: memory stays flat however large the file is
_WS = " \t\r\n\x0b\x0c"
_MAY_END_SET = frozenset({"SE", "ST", "GE", "GS", "IE", "IS"})  # SE and the envelope (ISA, IEA)
_BAD_DELIMS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ")


class Segment:
    """One segment: ``id``, ``elements`` (element n is ``elements[n-1]``), 1-based file ``index``.

    ``raw`` is the segment text without its terminator (the ISA fixed-width check needs it).
    """

    __slots__ = ("id", "elements", "index", "delimiters", "raw")

    def __init__(self, id: str, elements: list[str], index: int, delimiters: Delimiters,
                 raw: str) -> None:
        self.id = id
        self.elements = elements
        self.index = index
        self.delimiters = delimiters
        self.raw = raw

    def el(self, n: int) -> str:
        """Element ``n`` (1-based) or ``""`` when absent."""
        try:  # (rules ask for elements that are there nearly always: that case pays no check)
            return self.elements[n - 1]
        except IndexError:
            return ""

    def comp(self, n: int) -> list[str]:
        """The components of element ``n`` (a composite), ``[]`` when absent."""
        v = self.el(n)
        return v.split(self.delimiters.component) if v else []

    def __repr__(self) -> str:
        return f"Segment({self.index}, {self.raw!r})"


@dataclass(frozen=True)
class Note:
    """Something the reader skipped: text outside an interchange or an unusable ISA."""

    # "junk" (non-blank text outside ISA..IEA) | "bad-isa" (no usable delimiters) | "bom" (a
    # byte-order mark before the ISA) | "blanks" (blanks before a segment ID; the first only)
    # | "empty" (an empty segment, two terminators in a row; the first only, CK-X025)
    kind: str
    text: str  # the first 60 characters of it
    after: int  # index of the last segment read before it (0 = start of file)
    delimiters: Delimiters | None = None


def _isa_delimiters(buf: str, p: int, final: bool) -> tuple[Delimiters | None, int, str]:
    """Delimiters of the ISA at ``buf[p]``; returns (delims, end-of-ISA, why-not).

    ``end`` is the offset just after the ISA terminator; ``why-not`` explains a failure ("" when
    more data is needed and not ``final``).
    """
    if len(buf) - p < 4:
        return (None, p, "") if not final else (None, len(buf), "truncated ISA")
    sep = buf[p + 3]
    if sep in _BAD_DELIMS or sep in "\r\n":
        return None, p + 3, f"element separator {sep!r} is not usable"
    # Find the 16th element separator; fixed width puts it at 103, tolerate any width.
    q = p + 3
    for _ in range(15):
        q = buf.find(sep, q + 1)
        if q < 0 or q - p > 400:
            if q < 0 and not final and len(buf) - p < 400:
                return None, p, ""
            return None, p + 3, "ISA has fewer than 16 elements"
    if len(buf) < q + 3:
        if not final:
            return None, p, ""
        if len(buf) < q + 2:
            return None, p + 3, "truncated ISA"
    comp = buf[q + 1]
    term = buf[q + 2] if q + 2 < len(buf) else "\n"
    end = q + 3
    if term == "\r":  # CR or CRLF after ISA16: the line break is the terminator
        term = "\n"
        if buf[q + 3:q + 4] == "\n":
            end += 1
    if term in _BAD_DELIMS or comp in _BAD_DELIMS or comp in "\r\n" or len({sep, comp, term}) < 3:
        return None, p + 3, f"delimiters {sep!r} {comp!r} {term!r} are not usable"
    rep = buf[p + 3:q].split(sep)
    repetition = rep[11] if len(rep) > 11 and len(rep[11]) == 1 else ""
    if repetition in (sep, comp, term) or repetition.isalnum() or repetition == " ":
        repetition = ""
    return Delimiters(element=sep, component=comp, repetition=repetition, segment=term), end, ""


def _blank_led(piece: str, raw: str) -> bool:
    """True when something other than line breaks stands before the segment ID in PIECE (the
    usual ``~\n`` or ``~\r\n`` layouts answer after one or two characters)."""
    k = 0
    while piece[k] in "\r\n":
        k += 1
    return piece[k] != raw[0]


class SegmentReader:
    """Iterates segments over a sequence of text chunks; ``notes`` collects skipped content."""

    def __init__(self, chunks: Iterable[str]) -> None:
        self._chunks = iter(chunks)
        self.notes: list[Note] = []
        self.index = 0
        self.saw_isa = False
        self.blanks = False  # a segment with blanks before its ID was noted (once per reader)
        self.empty = False  # an empty segment was noted (once per reader)
        # Set by a scan inside a transaction set another worker checks: segments whose ID
        # cannot be SE or an envelope segment are only counted (``skipped``), never built.
        self.skip = False
        self.skipped = 0
        # the segment ID prefixes still built while skipping (a scan may widen it: a parallel
        # scan following part of a set it does not report also needs its HL and CLM segments)
        self.keep = _MAY_END_SET

    def __iter__(self) -> Iterator[Segment]:
        buf = ""
        pos = 0
        final = False
        delims: Delimiters | None = None
        chunks = self._chunks

        def more() -> bool:
            nonlocal buf, pos, final
            if final:
                return False
            nxt = next(chunks, None)
            if nxt is None:
                final = True
                return True  # the caller retries once with final=True
            buf = buf[pos:] + nxt
            pos = 0
            return True

        while True:
            if delims is None:
                # Outside an interchange: look for the next ISA.
                p = buf.find("ISA", pos)
                if p < 0:
                    tail = buf[pos:]
                    keep = len(tail) - len(tail.rstrip("IS")) if not final else 0
                    self._junk(tail[:len(tail) - keep])
                    pos = len(buf) - keep
                    if not more():
                        break
                    continue
                d, end, why = _isa_delimiters(buf, p, final)
                if d is None and not why:
                    self._junk(buf[pos:p])
                    pos = p
                    if not more():
                        break
                    continue
                self._junk(buf[pos:p])
                if d is None:
                    self.notes.append(Note("bad-isa", f"{why}: {buf[p:p + 60]}", self.index))
                    pos = end
                    continue
                delims = d
                self.saw_isa = True
                raw = buf[p:end].rstrip(_WS)
                if raw.endswith(d.segment):
                    raw = raw[:-1]
                pos = end
                self.index += 1
                yield Segment("ISA", raw.split(d.element)[1:], self.index, d, raw)
                continue
            term = delims.segment
            end = buf.rfind(term, pos)
            if end > pos:
                # Every segment whose terminator is already in the buffer, split at once, up to
                # the first "ISA" or "IEA" text (where the interchange may end or restart): the
                # per-segment path below takes that segment, and the last, unterminated one.
                for text in ("ISA", "IEA"):
                    stop = buf.find(text, pos, end)
                    if stop >= 0:
                        end = buf.rfind(term, pos, stop)
                if end > pos:
                    ws = _WS if term != "\n" else " \t\r"
                    element = delims.element
                    index = self.index
                    region = buf[pos:end]
                    pos = end + len(term)
                    # One segment per line (the usual layout): split at terminator + newline,
                    # so that the pieces need no stripping, hence no copy.
                    line = term + "\n"
                    if term != "\n" and region.count(term) == region.count(line):
                        pieces = region.split(line)
                    else:
                        pieces = region.split(term)
                    for piece in pieces:
                        raw = piece.strip(ws)
                        if not raw:
                            if not self.empty:  # "~~": skipped, but said (CK-X025)
                                self._empty(index)
                            continue
                        index += 1
                        if (piece[0] != raw[0] and not self.blanks
                                and not (piece[0] == "\n" and piece[1:2] == raw[:1])
                                and _blank_led(piece, raw)):  # ("~\n" + ID: no call)
                            self._blanks(piece, raw, index)
                        if self.skip and raw[:2] not in self.keep:
                            self.skipped += 1  # counted only (see ``skip``)
                            continue
                        parts = raw.split(element)
                        yield Segment(parts[0], parts[1:], index, delims, raw)
                    self.index = index
                    continue
            j = buf.find(term, pos)
            if j < 0:
                if not final:
                    more()
                    continue
                j = len(buf)
                if not buf[pos:].strip(_WS):
                    break
            raw = buf[pos:j].strip(_WS) if term != "\n" else buf[pos:j].strip(" \t\r")
            nxt = j + len(term)
            if not raw:
                if not self.empty:  # "~~": skipped, but said (CK-X025)
                    self._empty(self.index)
                pos = nxt
                if j >= len(buf) and final:
                    break
                continue
            if raw[:3] == "ISA" and len(raw) > 3 and raw[3] not in _BAD_DELIMS:
                # A new interchange without IEA (or one run into the last): re-read its delimiters.
                delims = None
                pos = buf.find("ISA", pos)
                continue
            parts = raw.split(delims.element)
            self.index += 1
            if (not self.blanks and buf[pos] != raw[0]
                    and not (buf[pos] == "\n" and buf[pos + 1:pos + 2] == raw[:1])
                    and _blank_led(buf[pos:j], raw)):
                self._blanks(buf[pos:j], raw, self.index)
            pos = nxt
            yield Segment(parts[0], parts[1:], self.index, delims, raw)
            if parts[0] == "IEA":
                delims = None
            if j >= len(buf) and final:
                break

    def _blanks(self, piece: str, raw: str, index: int) -> None:  # (called once at most)
        """Note segment ``index`` when blanks (not line breaks) precede its ID (X12.6: a
        segment begins with its ID); it is still read. Only the first such segment is noted."""
        if piece.lstrip("\r\n")[:1] in (" ", "\t", "\x0b", "\x0c"):
            self.blanks = True
            sid = raw[:3] if raw[2:3].isalnum() else raw[:2]
            self.notes.append(Note("blanks", sid, index))

    def _empty(self, after: int) -> None:
        self.empty = True
        self.notes.append(Note("empty", "", after))

    def _junk(self, text: str) -> None:
        text = text.strip(_WS)
        if self.index == 0 and text in _BOMS:  # a byte-order mark some editors put first: read
            self.notes.append(Note("bom", "", 0))  # past it, but said (X12 has no BOM)
            return
        if text:
            self.notes.append(Note("junk", text[:60], self.index))


# The UTF-8 byte-order mark as Latin-1 decoding sees it, and as text.
_BOMS = ("\u00ef\u00bb\u00bf", "\ufeff")


def _decode(data: bytes | str) -> str:
    return data if isinstance(data, str) else data.decode("latin-1")


def read_segments(data: bytes | str, *, reader: SegmentReader | None = None) -> Iterator[Segment]:
    """Segments of an in-memory X12 text; raises InputError only when there is no ISA at all."""
    r = reader or SegmentReader([_decode(data)])
    yield from _require_isa(r, None)


def _chunks(path: str | os.PathLike[str]) -> Iterator[str]:
    with open(path, "rb") as fh:
        while True:
            block = fh.read(CHUNK)
            if not block:
                return
            yield block.decode("latin-1")


def file_reader(path: str | os.PathLike[str]) -> SegmentReader:
    """A SegmentReader over the file at ``path``, read in chunks (memory stays flat)."""
    return SegmentReader(_chunks(path))


def iter_file(path: str | os.PathLike[str], *, reader: SegmentReader | None = None
              ) -> Iterator[Segment]:
    """Segments of an X12 file, read in chunks (memory does not grow with the file)."""
    r = reader or file_reader(path)
    yield from _require_isa(r, os.fspath(path))


def _require_isa(r: SegmentReader, file: str | None) -> Iterator[Segment]:
    yield from r
    if not r.saw_isa:
        raise InputError("not an X12 interchange: no usable ISA segment found", file=file)
