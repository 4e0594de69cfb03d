"""Interchange and functional-group wrapping for the acknowledgments claimkit writes.

An acknowledgment goes back the way the claim file came: its ISA/GS sender is the incoming
receiver and its receiver the incoming sender. Control numbers and the clock are arguments.
Segments are positional lists here (ISA, GS, ST, SE, GE, IEA per X12.5/X12.6); the Encoder
alone knows the separators.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Sequence

from claimkit.x12.encoder import Encoder, Value
from claimkit.x12.guide.tables import ISA_CODES

#: ISA05/ISA07 values the guide allows; an acknowledgment never echoes an invalid qualifier
#: from the file it answers (it would be rejected in turn): "ZZ", mutually defined, instead.
_ID_QUALIFIERS = ISA_CODES[5]


def id_qualifier(value: str) -> str:
    """VALUE when it is a valid ISA05/ISA07 interchange ID qualifier, else ZZ (mutually defined)."""
    return value if value in _ID_QUALIFIERS else "ZZ"


@dataclass(frozen=True)
class Route:
    """Who sends the acknowledgment to whom (already swapped from the incoming file)."""

    sender_qualifier: str
    sender_id: str
    receiver_qualifier: str
    receiver_id: str
    gs_sender: str
    gs_receiver: str
    usage: str = "P"


class Transaction:
    """Collects one transaction set's segments and closes it with a counted SE."""

    def __init__(self, enc: Encoder, set_id: str, control: str, implementation: str) -> None:
        self.enc = enc
        self.control = control
        self.parts: list[str] = []
        self.add("ST", set_id, control, implementation)

    def add(self, segment_id: str, *values: Value) -> None:
        """Append one segment, built from positional element values, to the transaction set."""
        self.parts.append(self.enc.segment(segment_id, values))

    def close(self) -> list[str]:
        """Append the SE trailer (segment count and ST02 control) and return the set's segments."""
        self.add("SE", len(self.parts) + 1, self.control)  # SE01 counts ST..SE inclusive
        return self.parts


def interchange(enc: Encoder, route: Route, *, functional_id: str, version: str,
                control: int, gs_control: int, now: datetime,
                transactions: Sequence[list[str]]) -> str:
    """ISA + GS + the transaction sets + GE + IEA, as text."""
    out = [enc.isa([
        "00", " " * 10, "00", " " * 10,
        id_qualifier(route.sender_qualifier), route.sender_id.ljust(15)[:15],
        id_qualifier(route.receiver_qualifier), route.receiver_id.ljust(15)[:15],
        now.strftime("%y%m%d"), now.strftime("%H%M"), enc.d.repetition, "00501",
        f"{control:09d}", "0", route.usage, enc.d.component,
    ])]
    out.append(enc.segment("GS", [functional_id, route.gs_sender, route.gs_receiver,
                                  now.strftime("%Y%m%d"), now.strftime("%H%M"), gs_control, "X",
                                  version]))
    for parts in transactions:
        out.extend(parts)
    out.append(enc.segment("GE", [len(transactions), gs_control]))
    out.append(enc.segment("IEA", [1, f"{control:09d}"]))
    return "".join(out)
