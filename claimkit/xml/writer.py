"""Claims -> claimkit claims XML (namespace urn:claimkit:claims:1.0), in the layout's order."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any

from lxml import etree

from claimkit.errors import InputError
from claimkit.models.claim import ClaimBatch
from claimkit.xml.layout import (
    LAYOUTS,
    NAMESPACE,
    SCHEMA_VERSION,
    Computed,
    Keyed,
    Nested,
    Repeated,
    Text,
)

_NS = "{%s}" % NAMESPACE


def text_of(value: Any) -> str:
    """The XSD lexical form of a model value (xs:decimal never uses an exponent)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _add(parent: etree._Element, tag: str) -> etree._Element:
    return etree.SubElement(parent, _NS + tag)


def _set_text(elem: etree._Element, value: Any, path: str) -> None:
    try:
        elem.text = text_of(value)
    except ValueError:  # control characters have no XML 1.0 form
        raise InputError(f"{path}: value contains characters XML cannot carry") from None


def _fill(elem: etree._Element, layout: str, obj: Any, path: str) -> None:
    for tag, attr, kind in LAYOUTS[layout]:
        value = getattr(obj, attr, None)
        where = f"{path}.{attr}" if path else attr
        if isinstance(kind, Repeated):
            if value is None and kind.nullable:
                continue
            if not value and not kind.always and not kind.nullable:
                continue
            wrapper = _add(elem, tag)
            for i, item in enumerate(value or ()):
                child = _add(wrapper, kind.item)
                if isinstance(kind.of, Nested):
                    _fill(child, kind.of.layout, item, f"{where}[{i}]")
                else:
                    _set_text(child, item, f"{where}[{i}]")
        elif value is None:
            continue
        elif isinstance(kind, Keyed):
            if not value and not kind.nullable:
                continue
            wrapper = _add(elem, tag)
            for key in sorted(value):
                child = _add(wrapper, kind.item)
                try:
                    child.set(kind.key, key)
                except ValueError:
                    raise InputError(f"{where}: key contains characters XML cannot carry") from None
                _set_text(child, value[key], f"{where}[{key}]")
        elif isinstance(kind, Nested):
            _fill(_add(elem, tag), kind.layout, value, where)
        elif isinstance(kind, (Text, Computed)):
            _set_text(_add(elem, tag), value, where)


def to_element(batch: ClaimBatch) -> etree._Element:
    """A batch as the root element of a claims XML document (before serialisation)."""
    root = etree.Element(_NS + "claimBatch", nsmap={None: NAMESPACE})
    root.set("version", SCHEMA_VERSION)
    _fill(root, "batch", batch, "")
    return root


def write_xml(batch: ClaimBatch) -> str:
    """Serialise a batch as an indented UTF-8 XML document (returned as text).

    The same batch always gives the same bytes: element order comes from ``layout.LAYOUTS``
    and the codeset-release map is written sorted by system.
    """
    root = to_element(batch)
    etree.indent(root, space="  ")
    body = etree.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"
