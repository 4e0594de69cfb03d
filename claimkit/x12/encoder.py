"""The one X12 encoder: the only code that knows the separators.

X12 has no escape mechanism, so a separator inside data is refused (TR3 appendix A.1.2), never
silently cleaned: the caller names the session and field.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence, Union

Value = Union[str, int, None, Sequence[Union[str, None]]]


class SeparatorInData(ValueError):
    """A data value contains a delimiter character."""

    def __init__(self, segment_id: str, position: int, value: str, char: str) -> None:
        self.segment_id, self.position, self.value, self.char = segment_id, position, value, char
        super().__init__(
            f"{segment_id}-{position:02d} value {value!r} contains the X12 separator {char!r}"
        )


@dataclass(frozen=True)
class Delimiters:
    """The four X12 separators: element, component, repetition and segment terminator."""

    element: str = "*"
    component: str = ":"
    repetition: str = "^"
    segment: str = "~"

    @property
    def all(self) -> str:
        """The four separators as one string, in ISA order (element, component, repetition, segment)."""
        return self.element + self.component + self.repetition + self.segment


class Encoder:
    """Turns ``(segment_id, [values...])`` into X12 text.

    A value is a string (or int), None/"" for an empty element, or a sequence for a composite.
    Trailing empty elements and components are dropped (X12.6 syntax rule).
    """

    def __init__(self, delimiters: Delimiters = Delimiters(), newline: bool = True) -> None:
        self.d = delimiters
        self.terminator = delimiters.segment + ("\n" if newline else "")
        self._bad = set(delimiters.all) | {"\n", "\r"}

    def _check(self, segment_id: str, pos: int, text: str) -> str:
        # Separators have no escape in X12 (X12.6 sec. 3.3); and only printable ASCII belongs
        # to the basic/extended character sets (TR3 appendix B), so e.g. "Ü" is refused too.
        if not self._bad.isdisjoint(text) or not (text.isascii() and text.isprintable()):
            char = next(c for c in text if c in self._bad or not (c.isascii() and c.isprintable()))
            raise SeparatorInData(segment_id, pos, text, char)
        return text

    def segment(self, segment_id: str, values: Iterable[Value]) -> str:
        """One segment as X12 text; SeparatorInData when a value holds a separator or a non-printable/non-ASCII
        character."""
        if not isinstance(values, (list, tuple)):
            values = list(values)
        parts = [segment_id]
        texts: list[str] = []  # every value as written, checked at once below
        for value in values:
            if value is None:
                parts.append("")
            elif type(value) is str:
                parts.append(value)
                texts.append(value)
            elif isinstance(value, (str, int)):
                text = str(value)
                parts.append(text)
                texts.append(text)
            else:
                comps = ["" if c is None else str(c) for c in value]
                while comps and comps[-1] == "":
                    comps.pop()
                parts.append(self.d.component.join(comps))
                texts.extend(comps)
        # One check over all the segment's values (a segment is written for every claim line:
        # checking value by value was a tenth of a build); the element-by-element pass below
        # runs only to name the element of a bad character.
        every = "".join(texts)
        if not self._bad.isdisjoint(every) or not (every.isascii() and every.isprintable()):
            self._locate_bad(segment_id, values)
        while len(parts) > 1 and parts[-1] == "":
            parts.pop()
        return self.d.element.join(parts) + self.terminator

    def _locate_bad(self, segment_id: str, values: Iterable[Value]) -> None:
        for pos, value in enumerate(values, start=1):
            if isinstance(value, (str, int)):
                self._check(segment_id, pos, str(value))
            elif value is not None:
                for c in value:
                    if c is not None:
                        self._check(segment_id, pos, str(c))

    def isa(self, values: Sequence[str]) -> str:
        """ISA is fixed width and carries the repetition and component separators as data."""
        parts = ["ISA", *values]
        return self.d.element.join(parts) + self.terminator
