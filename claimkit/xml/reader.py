"""Claims XML -> ClaimBatch, through a hardened parser, the shipped XSD, then the models.

Hostile XML is refused, never half-processed: any DOCTYPE (so no internal or external DTD, no
entity declarations: XXE and "billion laughs" cannot start), no entity expansion, no network,
no huge-tree mode, and a size bound checked before parsing. Errors name the file and line.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from lxml import etree
from pydantic import ValidationError

from claimkit.diagnostics import Location
from claimkit.errors import InputError
from claimkit.messages import describe_error
from claimkit.models import edge
from claimkit.models.claim import ClaimBatch
from claimkit.xml.layout import (
    LAYOUTS,
    NAMESPACE,
    SCHEMA_FILE,
    Computed,
    Keyed,
    Nested,
    Repeated,
)

MAX_BYTES = 200 * 1024 * 1024  # 200 MB: far above any real batch, far below memory trouble
_NS = "{%s}" % NAMESPACE
# A DOCTYPE in an ASCII-compatible or UTF-16 encoding (checked again after parsing).
_DOCTYPE = re.compile(rb"<!DOCTYPE"
                      rb"|<\x00!\x00D\x00O\x00C\x00T\x00Y\x00P\x00E"  # UTF-16LE
                      rb"|\x00<\x00!\x00D\x00O\x00C\x00T\x00Y\x00P\x00E",  # UTF-16BE
                      re.IGNORECASE)


class _RefuseAll(etree.Resolver):
    """Resolves nothing: no file, no URL, no catalog entry is ever loaded."""

    def resolve(self, system_url, public_id, context):  # noqa: D401 (lxml API)
        raise etree.XMLSyntaxError(
            f"external resource {system_url!r} refused (claims XML loads nothing)", 0, 0, 0)


def hardened_parser() -> etree.XMLParser:
    """An lxml parser that resolves no entities, loads no DTD and never reaches the network."""
    parser = etree.XMLParser(
        resolve_entities=False, load_dtd=False, dtd_validation=False, no_network=True,
        huge_tree=False, remove_pis=True, remove_comments=True, collect_ids=False,
    )
    parser.resolvers.add(_RefuseAll())
    return parser


def schema_path() -> Path:
    """The shipped XSD (inside the installed package)."""
    return Path(__file__).resolve().parent / "schema" / SCHEMA_FILE


@functools.lru_cache(maxsize=1)
def schema() -> etree.XMLSchema:
    """The shipped claims XSD, parsed with the hardened parser."""
    return etree.XMLSchema(etree.fromstring(schema_path().read_bytes(), hardened_parser()))


def _read_bounded(path: Path, max_bytes: int) -> bytes:
    with open(path, "rb") as fh:
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise InputError(f"larger than the {max_bytes:,}-byte limit for XML input", file=str(path))
    return data


def parse_document(data: bytes, *, file: str, max_bytes: int = MAX_BYTES) -> etree._ElementTree:
    """Parse untrusted XML bytes safely; raise InputError for anything hostile or malformed."""
    if len(data) > max_bytes:
        raise InputError(f"larger than the {max_bytes:,}-byte limit for XML input", file=file)
    if _DOCTYPE.search(data):
        raise InputError("DOCTYPE declarations are not accepted (no DTDs or entities in claims XML)",
                         file=file)
    try:
        root = etree.fromstring(data, hardened_parser())
    except etree.XMLSyntaxError as exc:
        line = exc.lineno or (exc.position[0] if exc.position else None)
        raise InputError(f"not well-formed XML: {exc.msg}", file=file,
                         where=f"line {line}" if line else None) from None
    tree = root.getroottree()
    info = tree.docinfo
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
        raise InputError("DOCTYPE declarations are not accepted (no DTDs or entities in claims XML)",
                         file=file)
    for node in root.iter():
        if isinstance(node, etree._Entity):  # belt and braces: no entity node may survive
            raise InputError("entity references are not accepted", file=file,
                             where=f"line {node.sourceline}")
    return tree


def check_schema(tree: etree._ElementTree, *, file: str) -> None:
    """Check a parsed document against the claims XSD; InputError naming the line of the first problem."""
    root = tree.getroot()
    if root.tag != _NS + "claimBatch":
        found = etree.QName(root)  # (the element's tag, split into namespace and local name)
        raise InputError(
            f"root element is {{{found.namespace or ''}}}{found.localname}, expected "
            f"claimBatch in namespace {NAMESPACE}", file=file, where=f"line {root.sourceline}")
    xsd = schema()
    if not xsd.validate(tree):
        errors = list(xsd.error_log)
        first = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise InputError(f"does not match the claims schema: {_without_values(first.message)}{more}",
                         file=file, where=f"line {first.line}")


_ELEMENT = re.compile(r"Element '\{[^}]*\}([^']*)'")
_LEADING_VALUE = re.compile(r"^(element <[^>]*>: )'.*?' is not", re.DOTALL)
_FACET_VALUE = re.compile(r"The value '.*?' is not", re.DOTALL)


def _without_values(message: str) -> str:
    """An XSD message without the offending value (a birth date, a name, a member ID).

    libxml2 quotes the value ("'1970-02-30' is not a valid value of the atomic type
    'xs:date'"); the element and the line are enough to find it, and messages reach CI logs.
    """
    message = _ELEMENT.sub(r"element <\1>", message)
    message = _LEADING_VALUE.sub(r"\1the value is not", message)
    return _FACET_VALUE.sub("the value is not", message)


def _local(elem: etree._Element) -> str:
    return etree.QName(elem).localname


def _to_dict(elem: etree._Element, layout: str, path: tuple, lines: dict) -> dict[str, Any]:
    """Element tree -> plain dict for pydantic, remembering each field's source line."""
    spec = {tag: (attr, kind) for tag, attr, kind in LAYOUTS[layout]}
    out: dict[str, Any] = {}
    lines[path] = elem.sourceline
    for child in elem:
        if not isinstance(child.tag, str):
            continue
        attr, kind = spec[_local(child)]  # the XSD already refused unknown elements
        here = path + (attr,)
        lines[here] = child.sourceline
        if isinstance(kind, Computed):
            lines[("written",) + here] = child.text or ""
            continue
        if isinstance(kind, Repeated):
            items: list[Any] = []  # nested records (dicts) or text values
            for i, item in enumerate(c for c in child if isinstance(c.tag, str)):
                lines[here + (i,)] = item.sourceline
                if isinstance(kind.of, Nested):
                    items.append(_to_dict(item, kind.of.layout, here + (i,), lines))
                else:
                    items.append(item.text or "")
            out[attr] = items
        elif isinstance(kind, Keyed):
            out[attr] = {item.get(kind.key): item.text or "" for item in child
                         if isinstance(item.tag, str)}
        elif isinstance(kind, Nested):
            out[attr] = _to_dict(child, kind.layout, here, lines)
        else:
            out[attr] = child.text or ""
    for tag, attr, kind in LAYOUTS[layout]:  # an omitted list is an empty list (or None)
        if isinstance(kind, Repeated) and attr not in out and not kind.nullable:
            out[attr] = []
    return out


def _line_for(loc: tuple, lines: dict) -> int | None:
    for n in range(len(loc), -1, -1):
        if loc[:n] in lines:
            return lines[loc[:n]]
    return None


@dataclass(frozen=True)
class XmlClaimOrigin:
    """Where a claim's findings point in an XML file: the line of the claim or service line.

    ``Location.row`` carries the XML source line (1-based), so reports show ``file.xml:57``.
    """

    file: str
    claim_id: str
    claim_line: int | None
    line_rows: tuple[int | None, ...] = ()  # XML line of each <line>, in order

    def locate(self, line: int | None, field: str | None) -> Location:
        """The XML source line of the claim or of its service line LINE."""
        row = self.claim_line
        if line is not None and 1 <= line <= len(self.line_rows):
            row = self.line_rows[line - 1] or row
        return Location(file=self.file, row=row, claim_id=self.claim_id, line=line, field=field)


def batch_from_tree(tree: etree._ElementTree, *, file: str) -> ClaimBatch:
    """The claims of a parsed, schema-valid claims XML document."""
    return _batch_and_lines(tree, file=file)[0]


def _batch_and_lines(tree: etree._ElementTree, *, file: str) -> tuple[ClaimBatch, dict]:
    lines: dict[tuple, int] = {}
    data = _to_dict(tree.getroot(), "batch", (), lines)
    try:
        batch = edge.validate(ClaimBatch, data)
    except ValidationError as exc:
        err = edge.errors(exc)[0]
        loc = tuple(err["loc"])
        line = _line_for(loc, lines)
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise InputError(describe_error(err) + more, file=file,
                         where=f"line {line}" if line else None) from None
    batch = keep_written_totals(batch, [lines.get(("written", "claims", i, "total_charge"))
                                        for i in range(len(batch.claims))])
    return batch, lines


def keep_written_totals(batch: ClaimBatch, written: list) -> ClaimBatch:
    """A written claim total that disagrees with its lines becomes ``stated_total``.

    The total is never silently recomputed from edited lines: kept as the stated total, the
    balancing rule (CK-B001) reports the difference, as it does for CLM02 in an 837P.
    """
    claims = []
    changed = False
    for claim, text in zip(batch.claims, written):
        if text not in (None, "") and claim.stated_total is None:
            total = Decimal(str(text))
            if total != claim.total_charge:
                claim = edge.replace(claim, stated_total=total)
                changed = True
        claims.append(claim)
    return edge.replace(batch, claims=claims) if changed else batch


def read_xml_with_origins(source: str | Path | bytes, *, file: str | None = None,
                          max_bytes: int = MAX_BYTES) -> tuple[ClaimBatch, list[XmlClaimOrigin]]:
    """Like :func:`read_xml`, plus one origin per claim (for the validator's findings)."""
    name, data = _source(source, file, max_bytes)
    tree = parse_document(data, file=name, max_bytes=max_bytes)
    check_schema(tree, file=name)
    batch, lines = _batch_and_lines(tree, file=name)
    origins = [
        XmlClaimOrigin(name, c.claim_id, lines.get(("claims", i)),
                       tuple(lines.get(("claims", i, "lines", j)) for j in range(len(c.lines))))
        for i, c in enumerate(batch.claims)
    ]
    return batch, origins


def _source(source: str | Path | bytes, file: str | None, max_bytes: int) -> tuple[str, bytes]:
    if isinstance(source, bytes):
        return file or "<xml>", source
    return file or str(source), _read_bounded(Path(source), max_bytes)


def read_xml(source: str | Path | bytes, *, file: str | None = None,
             max_bytes: int = MAX_BYTES) -> ClaimBatch:
    """Read a claims XML document (a path or its bytes) into a ClaimBatch.

    Raises:
        InputError: hostile, malformed, too large, not matching the XSD, or not valid claims;
            the message names the file and the line.
    """
    name, data = _source(source, file, max_bytes)
    tree = parse_document(data, file=name, max_bytes=max_bytes)
    check_schema(tree, file=name)
    return batch_from_tree(tree, file=name)
