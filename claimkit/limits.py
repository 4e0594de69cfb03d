"""Bounded parsing of untrusted JSON and YAML: depth, number size, string size, alias expansion.

Python's parsers recurse (a file nested thousands deep raises RecursionError), ``int()`` refuses
numbers over 4,300 digits with a bare ValueError, PyYAML builds impossible dates with a bare
ValueError and expands aliases without limit. Here each of those becomes an
:class:`~claimkit.errors.InputError` naming the file, the line (or record) and the field.

The limits are documented in docs/sessions.md ("Limits"); they sit far above any real session
file and far below what would exhaust memory or time.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterable, Iterator

import yaml

from claimkit.errors import InputError

MAX_FILE_BYTES = 200 * 1024 * 1024  # a session or claims file
MAX_DEPTH = 64  # nesting of lists/objects; a session record needs 5
MAX_STRING = 10_000  # characters in one field (an 837P element holds at most 264)
MAX_DIGITS = 50  # characters of one number (minutes, units, a charge need under 15)
MAX_YAML_EXPANSION = 100_000  # nodes YAML aliases may add beyond the nodes written
# A code-set file or zip member, uncompressed: the largest CMS file (an NCCI PTP part, about
# 70 MB) fits; a zip bomb (1 GB of zeros in 1 MB) is refused before it is inflated.
MAX_CODESET_BYTES = 128 * 1024 * 1024


class TooBig:
    """Stand-in for a number too long to convert; reported with its field path."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def problem(self) -> str:
        """The problem in words."""
        return f"a number of {len(self.text):,} digits (at most {MAX_DIGITS})"


class NotJson:
    """Stand-in for NaN / Infinity, which Python's json accepts but JSON does not have."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def problem(self) -> str:
        """The problem in words."""
        return f"{self.text} is not a JSON number"


_MARKERS = (TooBig, NotJson)


def read_bounded(path: str | Path, what: str = "input", max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """A file's bytes, refusing one over ``max_bytes`` before reading it."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > max_bytes:
            raise InputError(f"larger than the {max_bytes // 2**20} MB limit for {what} files "
                             f"({size / 2**20:,.0f} MB)", file=str(path))
        with open(p, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except IsADirectoryError:
        raise InputError("is a directory, not a file", file=str(path)) from None
    except OSError as exc:
        raise InputError(exc.strerror or "cannot read", file=str(path)) from None
    if len(data) > max_bytes:
        raise InputError(f"larger than the {max_bytes // 2**20} MB limit for {what} files", file=str(path))
    return data


def fmt_path(loc: Iterable[Any]) -> str:
    """A field path for messages; list positions count from 1 like rows and records."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part + 1}]"
        else:
            out += ("." if out else "") + str(part)
    return out


# --- JSON -----------------------------------------------------------------------------------
def _int(text: str) -> Any:
    return int(text) if len(text) <= MAX_DIGITS else TooBig(text)


def _float(text: str) -> Any:
    return float(text) if len(text) <= MAX_DIGITS else TooBig(text)


_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}\n]')


def _line_too_deep(text: str) -> int | None:
    """The line where nesting first passes MAX_DEPTH (only used to explain a refusal)."""
    depth, line = 0, 1
    for m in _TOKENS.finditer(text):
        tok = m.group()
        if tok == "\n":
            line += 1
        elif tok in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return line
        elif tok in "]}":
            depth -= 1
        else:
            line += tok.count("\n")
    return None


def loads_json(text: str, *, file: str, where: str | None = None) -> Any:
    """``json.loads`` that never raises anything but InputError, then :func:`check_tree`.

    ``where`` (e.g. "line 7" for one JSON Lines record) replaces the parser's own line.
    """
    try:
        data = json.loads(text, parse_int=_int, parse_float=_float, parse_constant=NotJson)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg}", file=file,
                         where=where or f"line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        line = _line_too_deep(text)
        raise InputError(f"nested more than {MAX_DEPTH} levels deep", file=file,
                         where=where or (f"line {line}" if line else None)) from None
    return data


def problems(value: Any, *, max_depth: int = MAX_DEPTH) -> Iterator[tuple[tuple, str]]:
    """(field path, problem) for each limit a decoded tree breaks; iterative (no recursion)."""
    stack: list[tuple[Any, tuple, int]] = [(value, (), 0)]
    while stack:
        node, path, depth = stack.pop()
        if isinstance(node, (dict, list)):
            if depth >= max_depth:
                yield path, f"nested more than {MAX_DEPTH} levels deep"
                continue
            items = node.items() if isinstance(node, dict) else enumerate(node)
            children = [(v, path + (k,), depth + 1) for k, v in items]
            stack.extend(reversed(children))  # report in document order
        elif isinstance(node, str):
            if len(node) > MAX_STRING:
                yield path, f"longer than {MAX_STRING:,} characters ({len(node):,})"
        elif isinstance(node, _MARKERS):
            yield path, node.problem()


def check_tree(value: Any, *, file: str, where: str | None = None, base: tuple = (),
               max_depth: int = MAX_DEPTH) -> None:
    """Raise InputError for the first limit a decoded tree breaks, naming the field."""
    for path, problem in problems(value, max_depth=max_depth):
        name = fmt_path(base + path) or "(top)"
        raise InputError(f"{name}: {problem}", file=file, where=where)


# --- YAML -----------------------------------------------------------------------------------
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class _Loader(yaml.SafeLoader):
    """SafeLoader (no Python tags), bounded in depth, with dates kept as text.

    Dates stay strings so that an impossible one (2025-02-30) reaches the model and is reported
    with its field like any other bad date, instead of PyYAML's bare ValueError.
    """

    yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag != _TIMESTAMP]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):  # noqa: ANN001 (PyYAML API)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise yaml.composer.ComposerError(None, None, f"nested more than {MAX_DEPTH} levels deep", mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_yaml_int(self, node):  # noqa: ANN001
        if len(node.value) > MAX_DIGITS:
            raise yaml.constructor.ConstructorError(
                None, None, f"a number of {len(node.value):,} digits (at most {MAX_DIGITS})",
                node.start_mark)
        return super().construct_yaml_int(node)

    def construct_yaml_timestamp(self, node):  # noqa: ANN001 (an explicit !!timestamp tag)
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError):
            raise yaml.constructor.ConstructorError(
                None, None, "not a calendar date", node.start_mark) from None


_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_yaml_int)
_Loader.add_constructor(_TIMESTAMP, _Loader.construct_yaml_timestamp)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _expanded_size(root: yaml.Node, file: str) -> tuple[int, int]:
    """(nodes written, nodes after alias expansion); linear time thanks to a memo by node.

    Iterative depth-first post-order; an alias to one of its own ancestors (a cycle) is refused.
    """
    size: dict[int, int] = {}
    entered: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, leaving = stack.pop()
        nid = id(node)
        if leaving:
            size[nid] = 1 + sum(size[id(c)] for c in _children(node))
            continue
        if nid in size:
            continue
        if nid in entered:  # entered, not left: an ancestor of itself
            raise InputError("a YAML alias refers to the collection that contains it",
                             file=file, where=_mark_where(node.start_mark))
        entered.add(nid)
        stack.append((node, True))
        stack.extend((c, False) for c in reversed(_children(node)))
    return len(size), size[id(root)]


def _mark_where(mark: Any) -> str | None:
    return f"line {mark.line + 1}" if mark is not None else None


def load_yaml(text: str, *, file: str) -> tuple[Any, yaml.Node | None]:
    """(data, node graph) of one YAML document; InputError for anything hostile or malformed.

    The node graph lets callers name the line of a field (see :func:`yaml_line`).
    """
    loader = None
    try:
        loader = _Loader(text)  # the reader checks the characters here already
        node = loader.get_single_node()
        if node is None:
            return None, None
        written, expanded = _expanded_size(node, file)
        if expanded > written + MAX_YAML_EXPANSION:
            raise InputError(f"YAML aliases expand {written:,} nodes to {expanded:,} "
                             f"(at most {MAX_YAML_EXPANSION:,} more): refused", file=file)
        data = loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise InputError(f"invalid YAML: {problem}", file=file, where=_mark_where(mark)) from None
    except RecursionError:  # the parser itself, past the composer's bound
        raise InputError(f"nested more than {MAX_DEPTH} levels deep", file=file) from None
    finally:
        if loader is not None:
            loader.dispose()
    return data, node


def yaml_node(node: yaml.Node | None, loc: Iterable[Any]) -> yaml.Node | None:
    """The node of the value at ``loc`` (keys and 0-based positions), or the deepest found."""
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            found = next((v for k, v in node.value
                          if isinstance(k, yaml.ScalarNode) and k.value == str(part)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            found = node.value[part]
        else:
            found = None
        if found is None:
            break
        node = found
    return node


def yaml_line(node: yaml.Node | None, loc: Iterable[Any]) -> int | None:
    """The 1-based line of the value at ``loc`` (keys and 0-based positions) in a node graph."""
    found = yaml_node(node, loc)
    return found.start_mark.line + 1 if found is not None else None
