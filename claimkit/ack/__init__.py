"""Acknowledgments claimkit writes: 999 (005010X231A1) and 277CA (005010X214)."""
from __future__ import annotations

import os
from datetime import datetime
from typing import Any, Iterable

from claimkit.ack.ack277 import build_277ca
from claimkit.ack.ack999 import build_999
from claimkit.ack.info import GroupRef, InterchangeRef, TransactionRef, read_interchanges
from claimkit.diagnostics import Diagnostic
from claimkit.errors import InputError

__all__ = ["build_999", "build_277ca", "acknowledge", "read_interchanges", "InterchangeRef",
           "GroupRef", "TransactionRef"]


def acknowledge(path: str | os.PathLike[str], diagnostics: Iterable[Diagnostic], kind: str, *,
                control: int, now: datetime, gs_control: int | None = None,
                parsed: Any = None, interchanges: list[InterchangeRef] | None = None,
                claims: Any = None) -> str:
    """The 999 or 277CA answering an 837P file, from the findings of validating it.

    Args:
        path: the 837P that was validated.
        diagnostics: the findings about that file (other files' findings are ignored).
        kind: "999" or "277ca".
        control: ISA13 (and GS06 unless ``gs_control``) of the acknowledgment.
        now: the clock.
        parsed: the file as a validation run already read it (a
            :class:`claimkit.claims_io.Parsed837`), for a 277CA; ``interchanges``: its
            envelope facts (InterchangeRefs), for a 999. The file is read only without them.
            A 277CA may come from ``interchanges`` and ``claims`` too: every claim as received,
            read twice by position (:class:`claimkit.ack.ack277.ClaimSource`, e.g. claims a
            validation run kept on disk), so that they need not all be in memory.
    """
    name = os.fspath(path)
    mine = [d for d in diagnostics if d.location.file in (None, name)]
    if kind == "999":
        if interchanges is not None:
            refs = interchanges
        elif parsed is not None:
            refs = parsed.interchanges
        else:
            refs = read_interchanges(path)
        if not refs:
            raise InputError("no interchange to acknowledge", file=name)
        return "".join(build_999(ix, mine, control=control + i, now=now,
                                 gs_control=None if gs_control is None else gs_control + i)
                       for i, ix in enumerate(refs))
    if kind == "277ca":
        from claimkit.claims_io import read_837_batch
        from claimkit.rules.engine import Context

        if parsed is None and claims is not None and interchanges is not None:
            from claimkit.claims_io import parsed_837

            head = parsed_837(name, interchanges, [], [])  # envelope and parties, no claim
            return build_277ca(head.batch, mine, control=control, now=now, trace=head.interchange.control,
                               gs_control=gs_control, claims=claims)
        if parsed is None:
            parsed = read_837_batch(path, ctx=Context(registry=None, today=now.date(), file=name))
        return build_277ca(parsed.ack_batch(), mine, control=control, now=now,
                           trace=parsed.interchange.control, gs_control=gs_control)
    raise ValueError(f"unknown acknowledgment kind {kind!r} (999 or 277ca)")
