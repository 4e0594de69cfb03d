"""Decisions a validation run makes beyond its findings, kept out of the CLI (issue 13 item 6).

- which rules run and which severity fails the run: the configuration's ``[validate]`` table,
  replaced or extended by the caller's choices (:func:`rule_settings`);
- what may be triaged: acknowledgments and the accepted/rejected split answer exactly one
  837P (:func:`require_one_837`);
- what a triage run writes (:func:`triage`): the 999/277CA travels back from the receiver to
  the sender of the incoming interchange (its envelope is the incoming one reversed, so its
  control numbers come from that pair's sequence), the accepted claims go out as a new 837P
  only when there is at least one (an interchange without claims is not a valid 837P), and
  the rejects report lists every claim not accepted.
"""
from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Sequence, TextIO

from claimkit.diagnostics import Severity
from claimkit.errors import ConfigError


@dataclass
class RuleSettings:
    """The rule selection and the lowest severity that fails a run."""

    selection: Any
    fail_on: Severity


def _items(values: Sequence[str] | None) -> list[str]:
    """Comma-separated values, possibly repeated, as one list (``--select A,B --select C``)."""
    return [v.strip() for item in values or [] for v in item.split(",") if v.strip()]


def _severities(values: Sequence[str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in _items(values):
        key, sep, level = item.partition("=")
        if not sep or not key.strip() or not level.strip():
            raise ConfigError(f"--severity wants ID=LEVEL (e.g. CK-D006=error), got {item!r}")
        out[key.strip()] = level.strip().lower()
    return out


def rule_settings(settings: Any, *, select: Sequence[str] | None = None, ignore: Sequence[str] | None = None,
                  severity: Sequence[str] | None = None, fail_on: str | None = None) -> RuleSettings:
    """The configuration's ``[validate]`` table with the caller's choices on top.

    ``select`` replaces the configured list, ``ignore`` adds to it, ``severity`` entries
    (``ID=LEVEL``, comma-separated or repeated) override single rules and ``fail_on``
    replaces the configured level (default error). An unknown rule is a ConfigError.
    """
    from claimkit.validation import make_selection

    vcfg = getattr(settings, "validate_", None)
    selection = make_selection(config=vcfg, select=_items(select), ignore=_items(ignore),
                               severity=_severities(severity))
    level = fail_on if fail_on is not None else getattr(vcfg, "fail_on", "error")
    return RuleSettings(selection, Severity(level))


def require_one_837(paths: Sequence[str | Path], kind: str = "auto") -> None:
    """Acknowledgments and the accepted/rejected split answer one 837P file: ConfigError otherwise."""
    from claimkit.validation import sniff

    if len(paths) != 1:
        raise ConfigError("--ack, --accepted and --rejects take exactly one 837P file")
    if kind not in ("auto", "x12") or sniff(Path(paths[0])) != "x12":
        raise ConfigError("--ack, --accepted and --rejects need an 837P (X12) file", file=str(paths[0]))


@dataclass
class TriageOutputs:
    """What a triage run produces; a text is None when it was not asked for or not made."""

    ack: str | None = None
    accepted: str | None = None  # None also when no claim was accepted (see ``summary``)
    # with ``triage(..., stream=True)`` instead of ``accepted``: writes the accepted 837P into
    # a text stream (an OutputSet's), a transaction set at a time
    write_accepted: Callable[[TextIO], None] | None = None
    rejects: str | None = None
    summary: dict[str, int] = field(default_factory=dict)  # total / accepted / rejected
    not_encodable: list[tuple[str, str]] = field(default_factory=list)


def ack_envelope(incoming: Any) -> Any:
    """The envelope of an acknowledgment: the incoming interchange's, sender and receiver swapped
    (TR3 999 / 277CA: the answer goes from the receiver back to the submitter)."""
    from claimkit.models.claim import Envelope

    return Envelope(sender_qualifier=incoming.receiver_qualifier, sender_id=incoming.receiver_id,
                    receiver_qualifier=incoming.sender_qualifier, receiver_id=incoming.sender_id)


def triage(path: str | Path, result: Any, *, ack: str | None = None, accepted: bool = False,
           rejects: bool = False, fail_on: Severity = Severity.ERROR, control_file: str | Path | None = None,
           control_number: int = 1, now: datetime | None = None, stream: bool = False) -> TriageOutputs:
    """The acknowledgment (``ack``: "999" or "277ca"), accepted 837P and rejects report of one
    837P from a validation ``result`` that kept its claims (``validate(..., keep_claims=True)``):
    the file is not read again. Control numbers come from ``control_file`` (locked, per sender
    and receiver pair), else ``control_number``. With ``stream`` the accepted 837P comes as
    ``write_accepted`` (memory stays flat: issue 14), else as the text ``accepted``."""
    from claimkit.clearinghouse import KeptClaims, acknowledgment, envelopes_of, triage_kept
    from claimkit.control import numbers_for

    clock = now or datetime.now()
    out = TriageOutputs()
    envelopes = envelopes_of(result, path)
    if accepted or rejects:
        t = triage_kept(result, path, fail_on=fail_on)  # one pass over the kept claims
        if accepted and len(t.accepted):
            isa, gs = numbers_for(t.head.envelope, control_file, control_number)

            def write(fh: TextIO) -> None:
                t.write_accepted(fh, isa_control=isa, gs_control=gs, now=clock)

            if stream:
                out.write_accepted = write
            else:
                text = io.StringIO()
                write(text)
                out.accepted = text.getvalue()
        if rejects:
            out.rejects = json.dumps(t.report, indent=2) + "\n"
        out.summary = dict(t.summary)
        out.not_encodable = list(t.not_encodable)
    if ack is not None:
        isa = control_number
        if control_file is not None and envelopes:
            isa, _ = numbers_for(ack_envelope(envelopes[0]), control_file, control_number)
        # a 277CA answers every claim (read from the spool twice: counts, then claim by
        # claim); the 999 needs only the envelope facts and the findings
        claims = KeptClaims(result, path) if ack == "277ca" else None
        out.ack = acknowledgment(path, result.diagnostics, ack, control=isa, now=clock,
                                 interchanges=envelopes, claims=claims)
    return out
