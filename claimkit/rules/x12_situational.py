"""SNIP 4 rules the 005010X222A1 guide states in prose ("Required when ...; if not required by
this implementation guide, do not send"), checked on the 837P as it streams by.

The structure and code values are the guide data's (claimkit.x12.guide); these conditions
relate one segment to another and are written here as rules, each citing its TR3 note.
"""
from __future__ import annotations

from typing import Any, Iterable

from claimkit.rules.engine import Hit, rule
from claimkit.rules.x12_common import on

# CLM05-3 claim frequency codes of a replacement (7) and a void (8): TR3 2300 REF*F8 note.
_REPLACES_A_CLAIM = frozenset({"7", "8"})


def _frequency(clm: Any) -> str:
    parts = clm.comp(5)
    return parts[2] if len(parts) > 2 else ""


@rule("CK-S009", "x12.payer-claim-number", level=4, scope="x12")
@on("close", loops=("2300",))
def payer_claim_number(ev: Any, ctx: Any) -> Iterable[Hit]:
    """A replacement or void claim lacks the payer claim control number (REF*F8), or another sends one.

    A claim with frequency code 7 (replacement) or 8 (void) in CLM05-3 must say which claim
    it replaces (REF*F8); an original claim must not send REF*F8.

    Why: the payer finds the claim to replace or void by the number it assigned (REF*F8); the
    TR3 requires it "when CLM05-3 is 7 or 8" and says not to send it otherwise.
    Fix: add REF*F8 with the payer's claim control number from the 835 or the payer portal, or
    set CLM05-3 to the frequency the claim really has.
    Reference: 005010X222A1 2300 REF (Payer Claim Control Number), situational rule.
    """
    rec = ev.closed
    freq, has = _frequency(rec.seg), bool(rec.segs.get("REF*F8"))
    if freq in _REPLACES_A_CLAIM and not has:
        return (ev.hit(f"claim frequency {freq} ({'replacement' if freq == '7' else 'void'}) needs the payer's "
                       "claim control number (REF*F8)", seg=rec.seg, loop="2300", ik3="I6"),)
    if has and freq and freq not in _REPLACES_A_CLAIM:
        return (ev.hit(f"REF*F8 (payer claim control number) is sent with claim frequency {freq}; the "
                       "TR3 sends it only with 7 (replacement) or 8 (void)", seg=rec.seg, loop="2300", ik3="I9"),)
    return ()


@rule("CK-S010", "x12.dependent-subscriber-demographics", level=4, scope="x12")
@on("close", loops=("2010BA",))
def dependent_subscriber_demographics(ev: Any, ctx: Any) -> Iterable[Hit]:
    """The subscriber's address or demographics (2010BA N3/N4/DMG) are sent for a dependent's claim.

    HL04 of the subscriber's HL is 1: a patient loop (2000C) follows, so the patient is not
    the subscriber.

    Why: the TR3 requires them "when the patient is the subscriber" and adds "if not required
    by this implementation guide, do not send"; strict payers reject the claim (SNIP 4). The
    dependent's own address and birth date go in 2010CA.
    Fix: drop N3, N4 and DMG from 2010BA when the claim has a patient loop.
    Reference: 005010X222A1 2010BA N3, N4 and DMG, situational rules.
    """
    parent = ev.stack[-1] if ev.stack else None  # the 2000B HL loop 2010BA belongs to
    if parent is None or parent.id != "2000B" or parent.seg.el(4) != "1":
        return ()
    rec = ev.closed
    sent = [sid for sid in ("N3", "N4", "DMG") if rec.segs.get(sid)]
    if not sent:
        return ()
    return (ev.hit(f"subscriber {', '.join(sent)} sent although the patient is a dependent (HL04 = 1: a "
                   "patient loop follows)", seg=rec.seg, loop="2010BA", ik3="I9"),)


@rule("CK-S011", "x12.line-place-of-service-repeated", severity="warning", level=4, scope="x12")
@on("SV1")
def line_place_of_service(ev: Any, ctx: Any) -> Iterable[Hit]:
    """A service line repeats the claim's place of service in SV105.

    Why: the TR3 sends SV105 "when the place of service differs from the place of service in
    CLM05-1" and says not to send it otherwise; a repeated value is harmless to most payers
    but not what the guide asks.
    Fix: leave SV105 empty unless the line was furnished at another place (e.g. telehealth).
    Reference: 005010X222A1 2400 SV1-05, situational rule.
    """
    pos = ev.seg.el(5)
    if not pos:
        return ()
    claim = next((rec for rec in reversed(ev.stack) if rec.id == "2300"), None)
    if claim is None:
        return ()
    facility = claim.seg.comp(5)
    if facility and pos == facility[0]:
        return (ev.hit(f"SV1-05 {pos} is the claim's place of service (CLM05-1); send it only when the "
                       "line's differs", pos=5),)
    return ()
