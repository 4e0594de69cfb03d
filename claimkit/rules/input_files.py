"""Findings about an input file as a whole (CK-I0xx): it cannot be read, it is not a format
claimkit reads, or it was cut off.

Like the builder's rules, these have no check function of their own: the validator
(claimkit.validation) reports them when it meets such a file in a run over several files, so that
the other files are still checked and every report lists the file. They live in the catalog so
that IDs, docs, severities and user overrides work as for every other rule. A run in which no
file could be read at all still exits 2 (usage or environment error) without a report.
"""
from __future__ import annotations

from typing import Any, Iterable

from claimkit.rules.engine import Hit, rule


def _validator_only(subject: Any, ctx: Any) -> Iterable[Hit]:
    return ()


@rule("CK-I001", "input.unreadable", level=1, scope="input")
def unreadable(subject: Any, ctx: Any) -> Iterable[Hit]:
    """The file cannot be read: it does not exist, is not readable or is a folder.

    Messages: "no such file", "cannot read: permission denied", "is a directory, not a file".
    Why: nothing in the file was checked; the other files of the run were.
    How to fix: check the path and the file's permissions.
    """
    return _validator_only(subject, ctx)


@rule("CK-I002", "input.not-recognized", level=1, scope="input")
def not_recognized(subject: Any, ctx: Any) -> Iterable[Hit]:
    """The file's content is not an 837P, claims JSON/XML or session file claimkit can read.

    Messages: "no ISA segment: not an X12 file", "UTF-16 text: save as ASCII/UTF-8",
    "the file is empty", "not valid JSON: ...", "nested more than 64 levels deep", "larger
    than the 200 MB limit" (claims JSON and session files), a claim or
    session record that does not match its schema (with its field), or session records given
    without the practice configuration that turns them into claims.
    Why: the file was not checked (claims before a broken record are not reported either); the
    other files of the run were. An 837P is plain ASCII text (X12.6 basic/extended character
    set) that starts with an ISA segment; a UTF-16 file has a zero byte in every other
    position and no reader sees an ISA in it.
    How to fix: give the right file, or save it as ASCII or UTF-8 text; correct the record the
    message names; split a file over the size limit; for session files pass --config (or add
    claimkit.toml).
    """
    return _validator_only(subject, ctx)


@rule("CK-I003", "input.truncated", level=1, scope="input")
def truncated(subject: Any, ctx: Any) -> Iterable[Hit]:
    """The 837P file ends inside a segment: it was cut off while it was copied or written.

    Message: "truncated: ends inside the ISA segment" or "truncated: ends inside a DTP
    segment (no '~' after it and no IEA)".
    Why: the last segment has no terminator and the interchange is not closed, so the last
    claim is incomplete; the envelope findings (CK-X014) and element findings on the cut
    segment follow from this one cause. The claims before it were checked.
    How to fix: copy or download the file again, whole; ask the sender for a complete file.
    """
    return _validator_only(subject, ctx)
