"""Repairs ``claimkit fix`` makes to session files (CK-F0xx): format-only, never what is billed.

Scope "repair": like the input-file rules (CK-I0xx) these have no check of their own: claimkit.fix applies them
and names each repair by its rule. They live in the catalog so that docs/rules.md and
``claimkit rules explain`` document every repair. Cases: tests/fix/cases/<ID>/ (a fail_ file
that needs the repair, a pass_ file that does not).
"""
from __future__ import annotations

from typing import Any, Iterable

from claimkit.rules.engine import Hit, rule


def _applied_by_fix(subject: Any, ctx: Any) -> Iterable[Hit]:
    return ()


@rule("CK-F001", "fix.us-date", severity="info", level=1, scope="repair")
def us_date(subject: Any, ctx: Any) -> Iterable[Hit]:
    """A date written month/day/year (03/03/2025) is rewritten as 2025-03-03.

    What: date_of_service, birth dates and other date fields written M/D/YYYY or MM/DD/YYYY
    with a four-digit year and a real calendar date.
    Why: session files take ISO 8601 dates (YYYY-MM-DD), the form the 837P's DTP/DMG dates
    (format qualifier D8, CCYYMMDD; TR3 005010X222A1 loops 2010BA DMG and 2400 DTP*472) are
    written from; US spreadsheets export M/D/YYYY. A date with a two-digit year (03/03/25) or
    that is no date (02/30/2025) is left alone: the loader reports it.
    How to fix: run `claimkit fix FILE -o OUT`, or write dates as YYYY-MM-DD in the export.
    """
    return _applied_by_fix(subject, ctx)


@rule("CK-F002", "fix.amount-with-unit", severity="info", level=1, scope="repair")
def amount_with_unit(subject: Any, ctx: Any) -> Iterable[Hit]:
    """Minutes or units written with their unit ("30 min", "2 units") become the number.

    What: a minutes value such as "30 min", "30 mins", "30 minutes" becomes 30; a units value
    "2 units" becomes 2. The number is kept as written, so the units billed (CMS Pub. 100-04
    ch. 5 sec. 20.2, the 8-minute rule) are the same.
    Why: the session model takes whole numbers; a unit word is a common spreadsheet habit.
    How to fix: run `claimkit fix`, or keep the unit in the column name, not in the cell.
    """
    return _applied_by_fix(subject, ctx)


@rule("CK-F003", "fix.icd-format", severity="info", level=1, scope="repair")
def icd_format(subject: Any, ctx: Any) -> Iterable[Hit]:
    """An ICD-10-CM code is written in its usual form: trimmed, upper case, dot after 3 characters.

    What: "m5450", " M54.50 ", "m54.50" all become "M54.50" (a 3-character code has no dot).
    Why: one written form keeps diffs and reviews readable; the 837P HI segment carries the
    code without its dot (TR3 005010X222A1 2300 HI, ICD-10-CM Official Guidelines), which
    the builder derives from either form, so the claim does not change.
    How to fix: run `claimkit fix`, or export codes as the code set writes them.
    """
    return _applied_by_fix(subject, ctx)


@rule("CK-F004", "fix.zip-format", severity="info", level=1, scope="repair")
def zip_format(subject: Any, ctx: Any) -> Iterable[Hit]:
    """A ZIP code with spaces or a ZIP+4 hyphen becomes the 5 or 9 digits.

    What: "62704-1234" and "62704 1234" become "627041234"; " 62704 " becomes "62704".
    Why: the 837P N403 element carries the ZIP code as 5 or 9 digits without punctuation
    (TR3 005010X222A1 N4 segment notes); the digits are unchanged.
    How to fix: run `claimkit fix`, or export ZIP codes as digits only.
    """
    return _applied_by_fix(subject, ctx)


@rule("CK-F005", "fix.code-case", severity="info", level=1, scope="repair")
def code_case(subject: Any, ctx: Any) -> Iterable[Hit]:
    """Procedure codes, modifiers, state and sex are trimmed and upper-cased.

    What: "g0283 " becomes "G0283", modifier "gp" becomes "GP", state "il" becomes "IL";
    place of service is trimmed.
    Why: HCPCS codes and modifiers, USPS state codes and the X12 sex codes are upper case
    (TR3 005010X222A1 SV101, N402, DMG03); case and spaces carry no meaning, so nothing
    billed changes.
    How to fix: run `claimkit fix`, or correct the export.
    """
    return _applied_by_fix(subject, ctx)
