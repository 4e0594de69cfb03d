"""Balancing (WEDI SNIP type 3): the claim's stated charge equals the sum of its lines.

A claim built by claimkit computes its total, so this only fires on claims read from an 837P
(or claims JSON) that state their own total (``Claim.stated_total``, CLM02).
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Iterator

from claimkit.rules.content_facts import ClaimFacts, claim_facts
from claimkit.rules.content_support import money
from claimkit.rules.engine import Context, Hit, rule


def _balanced(facts: ClaimFacts) -> bool:
    """The guard (Rule.skip_if): no stated total, or one equal to the sum of the lines."""
    stated = getattr(facts.claim, "stated_total", None)
    return stated is None or Decimal(stated) == facts.total


@rule("CK-B001", "balance.claim-total", severity="error", level=3, skip_if=_balanced)
def claim_total(claim: Any, ctx: Context) -> Iterator[Hit]:
    """The claim's total charge (CLM02) is not the sum of its line charges (SV102).

    The 837P requires the total claim charge to equal the sum of the service line charges;
    payers reject an unbalanced claim before looking at its content. pyx12 does not check this.

    How to fix: correct the line charges or the claim total so that they add up (claimkit
    computes CLM02 from the lines when it writes a claim).

    Reference: ASC X12 005010X222A1, 2300 CLM02 ("the total claim charge amount must balance to
    the sum of all service line charge amounts", SV102).
    """
    stated = getattr(claim, "stated_total", None)
    if stated is None:
        return
    total = claim_facts(claim, ctx).total
    if Decimal(stated) != total:
        yield Hit(f"claim charge {money(stated)} does not equal the sum of the line charges "
                  f"{money(total)} (difference {money(Decimal(stated) - total)})",
                  field="total_charge", fix=f"set the claim charge to {money(total)} or correct the lines",
                  values={"stated": str(stated), "sum_of_lines": str(total)})
