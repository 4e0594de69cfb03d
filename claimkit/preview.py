"""A claim as people know it: the boxes of the CMS-1500 (02/12) paper form, for a terminal or a
self-contained HTML page (``claimkit preview``).

The 837P and the CMS-1500 carry the same data (NUCC 1500 Claim Form Reference Instruction
Manual maps each box to its 837P element); reviewers read the boxes. PHI is masked unless asked:
names become initials, the birth date is hidden, the insured's ID shows its last 4 characters,
the address shows city and state only.
"""
from __future__ import annotations

import string
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from html import escape
from pathlib import Path
from typing import Any

from claimkit.codesets.icd import dotted
from claimkit.errors import ConfigError

LETTERS = string.ascii_uppercase[:12]  # box 21: diagnoses A-L (NUCC manual, item 21)
HIDDEN = "(hidden)"


@dataclass
class Form:
    """One claim's boxes: (box, label, value) in form order, then the 24A-J service lines."""

    claim_id: str
    boxes: list[tuple[str, str, str]] = field(default_factory=list)
    lines: list[dict[str, str]] = field(default_factory=list)


def _name(party: Any, show_phi: bool) -> str:
    if party is None:
        return ""
    parts = [party.last_name, getattr(party, "first_name", None), getattr(party, "middle_name", None)]
    parts = [p for p in parts if p]
    if show_phi:
        return ", ".join(parts[:1] + [" ".join(parts[1:])]) if len(parts) > 1 else parts[0]
    return " ".join(f"{p[0]}." for p in parts)  # initials only


def _member_id(value: str | None, show_phi: bool) -> str:
    if not value:
        return ""
    return value if show_phi else "*" * max(len(value) - 4, 0) + value[-4:]


def _birth(party: Any, show_phi: bool) -> str:
    if party is None:
        return ""
    born = party.birth_date.strftime("%m %d %Y") if party.birth_date and show_phi else HIDDEN
    sex = party.sex.value if getattr(party, "sex", None) is not None else ""
    return f"{born}  {sex}".strip()


def _address(addr: Any, show_phi: bool) -> str:
    if addr is None:
        return ""
    if not show_phi:
        return f"{addr.city}, {addr.state}"
    street = ", ".join(p for p in (addr.line1, getattr(addr, "line2", None)) if p)
    return f"{street}, {addr.city}, {addr.state} {addr.zip}"


def _provider(p: Any) -> str:
    if p is None:
        return ""
    return p.last_name if p.is_organization else ", ".join(x for x in (p.last_name, p.first_name) if x)


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def _mmddyy(d: date) -> str:
    return d.strftime("%m %d %y")


def form_of(claim: Any, *, show_phi: bool = False) -> Form:
    """The CMS-1500 boxes of a claim (claimkit.models.claim.Claim)."""
    sub = claim.subscriber
    patient = claim.patient or sub  # no 2010CA loop: the patient is the subscriber
    bill = claim.billing_provider
    f = Form(claim.claim_id)
    f.boxes = [
        ("1", "Payer", f"{claim.payer.name} ({claim.payer.payer_id})"),
        ("1a", "Insured's ID number", _member_id(sub.member_id, show_phi)),
        ("2", "Patient's name", _name(patient, show_phi)),
        ("3", "Patient's birth date, sex", _birth(patient, show_phi)),
        ("4", "Insured's name", _name(sub, show_phi)),
        ("5", "Patient's address", _address(patient.address, show_phi)),
        ("6", "Patient relationship to insured", claim.relationship.value),
        ("11", "Insured's group number", (sub.group_number or "") if show_phi else
         (HIDDEN if sub.group_number else "")),
        ("21", "Diagnoses (ICD-10-CM)", "  ".join(f"{LETTERS[i]}. {dotted(code)}"
                                                  for i, code in enumerate(claim.diagnoses[:12]))),
        ("22", "Claim frequency", claim.frequency_code),
        ("25", "Federal tax ID (EIN)", bill.ein or ""),
        ("26", "Patient's account no.", claim.claim_id),
        ("28", "Total charge", _money(claim.submitted_total)),
        ("31", "Rendering provider", _provider(claim.rendering_provider)),
        ("33", "Billing provider", f"{_provider(bill)}, {_address(bill.address, True)}".rstrip(", ")),
        ("33a", "Billing provider NPI", bill.npi),
    ]
    rendering_npi = claim.rendering_provider.npi if claim.rendering_provider else bill.npi
    for ln in claim.lines:
        f.lines.append({
            "24A": _mmddyy(ln.date_of_service),  # from = to: one visit per line
            "24B": ln.place_of_service or claim.place_of_service,
            "24D": " ".join([ln.code, *ln.modifiers]),
            "24E": "".join(LETTERS[p - 1] if 1 <= p <= 12 else "?" for p in ln.pointers),
            "24F": _money(ln.charge),
            "24G": str(ln.units),
            "24J": rendering_npi,
        })
    return f


LINE_COLUMNS = (("24A", "Date(s)"), ("24B", "POS"), ("24D", "Code mod"), ("24E", "Dx ptr"),
                ("24F", "Charges"), ("24G", "Units"), ("24J", "NPI"))


def load_claims(path: Path, *, practice: Any, registry: Any, today: date) -> list[Any]:
    """The claims of an 837P, claims JSON/XML or a session file (built with the practice)."""
    from claimkit.validation.inputs import sniff

    kind = sniff(path)
    if kind == "x12":
        from claimkit.claims_io import read_837_batch
        from claimkit.rules.engine import Context

        return list(read_837_batch(path, ctx=Context(registry=None, today=today, file=str(path))).batch.claims)
    if kind == "claims":  # claims JSON or XML, read as `claimkit validate` reads them
        from claimkit.claims_io import sniff_format
        from claimkit.validation.inputs import load_claims_json

        if sniff_format(path) == "xml":
            from claimkit.xml.reader import read_xml

            return list(read_xml(path).claims)
        return [claim for claim, _ in load_claims_json(path)]
    if practice is None or not hasattr(practice, "find_payer"):
        raise ConfigError("session records need the practice configuration to become claims "
                          "(claimkit.toml, [tool.claimkit] in pyproject.toml, or --config)", file=str(path))
    from claimkit.builder import build_claims
    from claimkit.loaders import load_sessions

    return list(build_claims(load_sessions(path), practice, registry).claims)


def render_terminal(forms: list[Form], console: Any) -> None:
    """Each claim as a panel of boxes and a table of service lines (rich)."""
    from rich import box
    from rich.panel import Panel
    from rich.table import Table

    for f in forms:
        boxes = Table(box=box.SIMPLE, show_header=False, pad_edge=False)
        boxes.add_column("box", style="bold cyan", no_wrap=True)
        boxes.add_column("label", style="dim")
        boxes.add_column("value")
        for num, label, value in f.boxes:
            boxes.add_row(num, label, value)
        lines = Table(box=box.SIMPLE_HEAD, title="24 Service lines", title_justify="left")
        for key, label in LINE_COLUMNS:
            lines.add_column(f"{key}\n{label}", justify="right" if key in ("24F", "24G") else "left",
                             no_wrap=True)
        for ln in f.lines:
            lines.add_row(*(ln[key] for key, _ in LINE_COLUMNS))
        from rich.console import Group

        console.print(Panel(Group(boxes, lines), title=f"claim {f.claim_id} (CMS-1500 view)",
                            title_align="left"))


_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#1d1d1f}
section{border:2px solid #c0392b;border-radius:4px;margin:0 0 1.5em;padding:.8em}
h2{margin:0 0 .5em;font-size:1.15em;color:#c0392b}
.boxes{display:grid;grid-template-columns:repeat(auto-fill,minmax(16em,1fr));gap:.4em;margin:0 0 .8em}
.box{border:1px solid #e0a9a3;padding:.3em .5em}.box b{color:#c0392b;margin-right:.4em}
.box small{display:block;color:#666}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #e0a9a3;padding:.3em .5em;text-align:left}
th{background:#fbeeee}td.num{text-align:right}
"""


def render_html(forms: list[Form], *, title: str) -> str:
    """A self-contained page (no scripts, no external assets); every value escaped."""
    parts = []
    for f in forms:
        boxes = "".join(f'<div class="box" data-box="{escape(n)}"><b>{escape(n)}</b>{escape(label)}'
                        f"<small>{escape(value) or '&nbsp;'}</small></div>" for n, label, value in f.boxes)
        head = "".join(f"<th>{escape(k)} {escape(label)}</th>" for k, label in LINE_COLUMNS)
        rows = "".join("<tr>" + "".join(
            f'<td{" class=num" if k in ("24F", "24G") else ""}>{escape(ln[k])}</td>' for k, _ in LINE_COLUMNS)
            + "</tr>" for ln in f.lines)
        parts.append(f'<section class="claim" data-claim="{escape(f.claim_id)}">'
                     f"<h2>Claim {escape(f.claim_id)}</h2><div class=\"boxes\">{boxes}</div>"
                     f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></section>")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            "style-src 'unsafe-inline'\">"
            f"<title>{escape(title)}</title><style>{_STYLE}</style></head>\n<body>"
            f"<h1>{escape(title)}</h1>\n" + "\n".join(parts) + "\n</body></html>\n")
