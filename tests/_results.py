"""A validation result as plain tuples, for comparing runs (-j 1, -j 2, a Dask cluster): every
finding with its location, every file and every transaction set's bookkeeping."""
from __future__ import annotations


def dump(result) -> tuple:
    """(findings, files, transaction sets) of a ValidationResult, comparable with ``==``."""
    findings = [(d.rule, d.severity.value, d.message, d.location.to_dict(), d.fix, d.values)
                for d in result.diagnostics]
    files = [(f.path, f.kind, f.claims, f.claim_ids, f.error) for f in result.files]
    sets = [[(ix.control, g.control, t.st_control, t.start_index, t.segment_count, t.closed,
              t.findings, t.errors) for g in ix.groups for t in g.transactions]
            for f in result.files for ix in f.interchanges]
    return findings, files, sets
