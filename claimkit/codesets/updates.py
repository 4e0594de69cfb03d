"""Where each code system's update comes from: the file to import and the command, by date.

Used by `claimkit codeset status --check`, the stale-release finding (CK-C012) and the missing
release finding (CK-C009). The routine is documented in docs/codesets.md ("Keeping code sets
current"); publication schedules are CMS's, NUCC's and the AMA's (cited there).
"""
from __future__ import annotations

from datetime import date

_QUARTERS = ("JAN", "APR", "JUL", "OCT")


def _quarter(on: date) -> str:
    return _QUARTERS[(on.month - 1) // 3]


def fiscal_year(on: date) -> int:
    """ICD-10-CM fiscal year of a date of service: FY N runs from October 1 of N-1."""
    return on.year + 1 if on.month >= 10 else on.year


def update_file(system: str, on: date) -> str:
    """A person's description of the file that answers SYSTEM for date ON."""
    year, q = on.year, _quarter(on)
    if system == "icd10cm":
        fy = fiscal_year(on)
        return (f"the CMS ICD-10-CM FY{fy} code descriptions (icd10cm_order_{fy}.txt, in the "
                f"\"{fy} ICD-10-CM\" files; April updates as icd10cm_order_{fy}_april)")
    if system == "procedure":
        return (f"a procedure table for {year} in claimkit's CSV layout (procedure-{year}.csv: start from "
                f"`claimkit codeset export procedure --on {year - 1}-12-31` and apply the CPT {year} and "
                f"HCPCS {year} changes)")
    if system == "hcpcs":
        return f"the CMS HCPCS {year} {q} quarterly file (HCPC{year}_{q}_ANWEB, \"Quarterly HCPCS\" page)"
    if system == "cpt":
        return f"your licensed AMA CPT {year} data file (CSV with code and descriptors)"
    if system == "modifier":
        return (f"the CMS HCPCS {year} {q} quarterly file (its modifier records; import it as hcpcs), or "
                f"a modifier table in claimkit's CSV layout")
    if system == "pos":
        return "a place-of-service table in claimkit's CSV layout, from the CMS \"Place of Service Code Set\" page"
    if system == "taxonomy":
        half = "0" if on.month <= 6 else "1"
        return f"the NUCC taxonomy CSV version {year % 100}.{half} (nucc_taxonomy_{year % 100}{half}.csv)"
    if system == "ncci-ptp":
        return f"the CMS NCCI practitioner PTP edits for {year} {q} (\"Medicare NCCI Procedure to Procedure Edits\")"
    if system == "mue":
        return f"the CMS practitioner MUE table for {year} {q} (\"Medicare NCCI Medically Unlikely Edits\")"
    return f"a {system} release covering {on.isoformat()}"


def update_command(system: str) -> str:
    """The command that installs SYSTEM's file."""
    target = "hcpcs" if system == "modifier" else system
    return f"claimkit codeset import {target} FILE"


def update_hint(system: str, on: date) -> str:
    """What to get and how to install it when no SYSTEM release covers date ON (one line)."""
    return f"import {update_file(system, on)}: {update_command(system)}"
