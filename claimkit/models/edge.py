"""Pydantic at the edges: input (claims JSON, XML, API data) validated into domain records, and
domain records dumped to JSON-ready data.

Domain records are plain dataclasses (see :mod:`claimkit.models.claim`); this is the one place
that asks pydantic about them. A :class:`pydantic.TypeAdapter` is built once per record type.
"""
from __future__ import annotations

import dataclasses
from functools import cache
from typing import Any, Literal, TypeVar, cast

from pydantic import TypeAdapter, ValidationError

T = TypeVar("T")


@cache
def adapter(cls: Any) -> TypeAdapter[Any]:
    """The pydantic TypeAdapter of a record type, built once per type."""
    return TypeAdapter(cls)


def _adapter_of(cls: Any) -> TypeAdapter[Any]:
    return adapter(cast(Any, cls))  # (a class is hashable; the cache's stub says Hashable)


def validate(cls: type[T], data: Any) -> T:
    """``data`` (dicts, lists, plain values) checked and converted into a ``cls`` record.

    Raises :class:`pydantic.ValidationError`, as a pydantic model's ``model_validate`` does.
    """
    return _adapter_of(cls).validate_python(data)


def validate_json(cls: type[T], text: str | bytes) -> T:
    """JSON TEXT checked and converted into a ``cls`` record; ValidationError on bad data."""
    return _adapter_of(cls).validate_json(text)


def dump(obj: Any, *, mode: Literal["json", "python"] = "python", exclude: Any = None) -> Any:
    """The record as dicts and lists, in field order, computed fields (``total_charge``) last;
    ``mode="json"`` gives JSON-ready values (Decimals as strings, dates ISO)."""
    return _adapter_of(type(obj)).dump_python(obj, mode=mode, exclude=exclude)


def dump_json(obj: Any, *, exclude: Any = None) -> str:
    """The record as compact JSON text."""
    return _adapter_of(type(obj)).dump_json(obj, exclude=exclude).decode("utf-8")


def replace(obj: T, **changes: Any) -> T:
    """A copy of the record with some fields changed (nested records and lists are shared, as
    with ``model_copy(update=...)``)."""
    return dataclasses.replace(obj, **changes)  # type: ignore[type-var]


# pydantic words a few errors differently for dataclasses than for models; messages
# (claimkit.messages) are written for the model wording, which users have seen all along.
_SAME_AS_MODEL = {
    "unexpected_keyword_argument": ("extra_forbidden", "Extra inputs are not permitted"),
    "dataclass_type": ("model_type", None),
}


def errors(exc: ValidationError) -> list[dict[str, Any]]:
    """``exc.errors()`` with the error types and messages a pydantic model would give."""
    out: list[dict[str, Any]] = []
    for err in exc.errors():
        e: dict[str, Any] = dict(err)
        same = _SAME_AS_MODEL.get(e["type"])
        if same is not None:
            e["type"] = same[0]
            if same[1] is not None:
                e["msg"] = same[1]
            else:
                e["msg"] = e["msg"].replace("a dictionary or an instance", "a valid dictionary or instance")
        out.append(e)
    return out
