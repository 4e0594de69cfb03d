"""Model validation errors in the user's words: the field (or CSV column), what was expected,
and the value given only when it cannot be personal data.

Values of people's fields (names, birth dates, addresses, member and patient IDs) and of
unknown fields are never echoed: error messages end up in CI logs and terminals.
"""
from __future__ import annotations

import difflib
import typing
from typing import Any, Callable, Mapping

from pydantic import BaseModel

from claimkit.limits import fmt_path

# Type tags pydantic puts in a location for unions (``str | RenderingProvider``) and wrappers.
_TAGS = {"str", "int", "float", "RenderingProvider", "list[str]", "decimal"}

# Fields whose values may be shown (everything else, including unknown fields, is not).
_SHOWABLE = {"session_id", "date_of_service", "payer", "rendering_provider", "place_of_service",
             "diagnoses", "services"}

_PATTERNS = {  # last field name -> what a pattern mismatch means
    "zip": "expected a 5- or 9-digit ZIP code",
    "state": "expected a 2-letter state code such as IL",
    "npi": "expected a 10-digit NPI",
    "taxonomy": "expected a 10-character taxonomy code such as 225100000X",
    "place_of_service": "expected a 2-digit place of service code such as 11",
    "code": "expected a CPT or HCPCS code (5 characters, e.g. 97110 or G0283)",
    "sex": "expected M, F or U",
}
_DATE_TYPES = {"date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact",
               "date_type", "datetime_from_date_parsing"}
_INT_TYPES = {"int_parsing", "int_parsing_size", "int_type", "int_from_float"}
_MAX_SHOWN = 40


def plural(n: int, word: str, words: str | None = None) -> str:
    """``1 unit``, ``2 units``, ``0 units``: a count with its noun ("1 units" reads as a bug).

    Args:
        n: the count.
        word: the singular noun.
        words: the plural when it is not ``word + "s"`` (``diagnoses``).
    """
    return f"{n} {word if n == 1 else (words or word + 's')}"


def clean_loc(loc: tuple) -> tuple:
    """The location without pydantic's union/wrapper tags."""
    return tuple(p for p in loc if not (isinstance(p, str) and (p in _TAGS or "[" in p)))


def may_show(loc: tuple, error_type: str) -> bool:
    """True when the value at ``loc`` may appear in a message (never people's data)."""
    return error_type != "extra_forbidden" and bool(loc) and loc[0] in _SHOWABLE


def _shown(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return ""
    text = value if isinstance(value, str) else repr(value)
    if len(text) > _MAX_SHOWN:
        return f", got a value {len(text):,} characters long"
    return f", got {text!r}" if isinstance(value, str) else f", got {text}"


def expected(e: Mapping[str, Any], field: str) -> str:
    """What the field wanted, in words (no value)."""
    kind = e["type"]
    ctx = e.get("ctx") or {}
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "unknown field"
    if kind in _DATE_TYPES:
        real = "not a calendar date; " if "range" in str(ctx.get("error", "")) else ""
        return f"{real}expected a date as YYYY-MM-DD"
    if kind in _INT_TYPES:
        what = {"minutes": " of minutes", "units": " of units"}.get(field, "")
        return f"expected a whole number{what}"
    if kind == "string_pattern_mismatch":
        return _PATTERNS.get(field, "is not in the expected form")
    if kind == "string_too_long":
        return f"longer than {ctx.get('max_length')} characters"
    if kind == "string_too_short":
        return "is empty" if ctx.get("min_length") == 1 else f"shorter than {ctx.get('min_length')} characters"
    if kind == "too_short":
        return "is empty" if ctx.get("min_length") == 1 else f"needs at least {ctx.get('min_length')} items"
    if kind == "too_long":
        return f"has more than {ctx.get('max_length')} items"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        word = {"greater_than_equal": "at least", "greater_than": "more than",
                "less_than_equal": "at most", "less_than": "less than"}[kind]
        limit = next(iter(ctx.values()), "")
        return f"expected {word} {limit}"
    if kind in ("decimal_parsing", "decimal_type"):
        return "expected an amount such as 140.00"
    if kind == "finite_number":
        return "expected a finite number"
    if kind == "enum":
        return f"expected {ctx.get('expected')}"
    if kind in ("string_type", "string_sub_type"):
        if isinstance(e.get("input"), (int, float)) and not isinstance(e.get("input"), bool):
            # YAML/JSON read 02134 unquoted as the number 2134: the leading zero is gone.
            return 'expected text: write the value in quotes, e.g. "02134" (a number loses leading zeros)'
        return "expected text"
    if kind in ("list_type", "tuple_type"):
        return "expected a list"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return "expected an object"
    if kind == "value_error":
        return str(e["msg"]).removeprefix("Value error, ")
    if kind == "recursion_loop":
        return "refers to itself"
    msg = str(e["msg"])
    return "expected " + msg[len("Input should be "):] if msg.startswith("Input should be ") else msg


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic models an annotation may hold (``X | None``, ``list[X]``, ``str | X``)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    out: list[type[BaseModel]] = []
    for arg in typing.get_args(annotation):
        out.extend(_models_in(arg))
    return out


def known_fields(model: type[BaseModel], loc: tuple) -> list[str]:
    """The field names (aliases as written in files) of the object that holds ``loc``'s last key."""
    models = [model]
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        nxt: list[type[BaseModel]] = []
        for m in models:  # a key as written may be the field's alias ([validate] -> validate_)
            f = m.model_fields.get(part) or next(
                (f for f in m.model_fields.values() if f.alias == part), None)
            if f is not None:
                nxt.extend(_models_in(f.annotation))
        # no field of that name: a key of a table such as [payers.KEY], whose value is the model
        models = nxt or models
    return sorted({(f.alias or n) for m in models for n, f in m.model_fields.items()})


def did_you_mean(name: str, known: list[str]) -> str:
    """`` (did you mean 'x'?)`` for a close known name, else ''."""
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.75)
    return f" (did you mean {close[0]!r}?)" if close else ""


def describe_error(e: Mapping[str, Any], *, columns: Callable[[tuple], str | None] | None = None,
                   model: type[BaseModel] | None = None) -> str:
    """One pydantic error as ``field: what was expected[, got 'value']``.

    Args:
        e: an item of ``ValidationError.errors()``.
        columns: maps a field path to the CSV column it came from (CSV input).
        model: the model validated; an unknown field then gets a "did you mean" from its
            siblings.
    """
    loc = clean_loc(tuple(e["loc"]))
    names = [p for p in loc if isinstance(p, str)]
    field = names[-1] if names else ""
    name = (columns(loc) if columns else None) or fmt_path(loc)
    text = expected(e, field)
    if e["type"] == "extra_forbidden" and model is not None and loc and isinstance(loc[-1], str):
        text += did_you_mean(loc[-1], known_fields(model, loc))
    if e["type"] not in ("missing", "extra_forbidden", "value_error") and may_show(loc, e["type"]):
        text += _shown(e.get("input"))
    return f"{name}: {text}" if name else text
