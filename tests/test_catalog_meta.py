"""The catalog, its documentation and its data-file cases stay in step (meta-test).

Every rule: a docstring with a one-line summary and a "How to fix" part, a unique well-formed
ID and slug, a SNIP level 1-7, and a case folder tests/**/cases/<ID>/ with at least one failing
and one passing case; no case folder names an unknown rule; docs/rules.md is generated from the
catalog as it is now.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from claimkit.rules.catalog import catalog_markdown, load_catalog

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
ID = re.compile(r"^CK-[A-Z]\d{3}$")
SLUG = re.compile(r"^[a-z0-9]+(?:[.-][a-z0-9]+)+$")
FIX_PART = re.compile(r"^(How to fix|Fix):", re.MULTILINE)  # a paragraph/line that starts so


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def _case_dirs() -> dict[str, list[Path]]:
    found: dict[str, list[Path]] = {}
    for d in TESTS.glob("**/cases/*"):
        if d.is_dir() and ID.match(d.name):
            found.setdefault(d.name, []).append(d)
    return found


def test_catalog_is_not_empty(catalog) -> None:
    assert len(catalog) >= 40


def test_ids_and_slugs_are_unique_and_well_formed(catalog) -> None:
    slugs = [r.slug for r in catalog.values()]
    assert len(slugs) == len(set(slugs))
    for key, r in catalog.items():
        assert key == r.id and ID.match(r.id), r.id
        assert SLUG.match(r.slug), (r.id, r.slug)


def test_every_rule_has_a_snip_level_and_severity(catalog) -> None:
    for r in catalog.values():
        assert 1 <= r.level <= 7, r.id
        assert r.severity.value in ("error", "warning", "info")


def test_every_rule_is_documented(catalog) -> None:
    problems = []
    for r in sorted(catalog.values(), key=lambda r: r.id):
        doc = r.doc
        if not doc or not r.summary.strip().endswith("."):
            problems.append(f"{r.id}: no one-line summary ending in '.'")
        if len(doc.splitlines()) < 3:
            problems.append(f"{r.id}: documentation is only a summary")
        if not FIX_PART.search(doc):
            problems.append(f"{r.id}: no 'How to fix:' part")
    assert not problems, "\n".join(problems)


def test_every_rule_has_failing_and_passing_cases(catalog) -> None:
    dirs = _case_dirs()
    problems = []
    for rid in sorted(catalog):
        files = [f for d in dirs.get(rid, []) for f in d.iterdir() if f.is_file()]
        if not any(f.name.startswith("fail_") for f in files):
            problems.append(f"{rid}: no fail_* case under tests/**/cases/{rid}/")
        if not any(f.name.startswith("pass_") for f in files):
            problems.append(f"{rid}: no pass_* case under tests/**/cases/{rid}/")
    assert not problems, "\n".join(problems)


def test_no_case_folder_for_an_unknown_rule(catalog) -> None:
    unknown = sorted(rid for rid in _case_dirs() if rid not in catalog)
    assert not unknown, f"case folders for rules not in the catalog: {unknown}"


def test_rules_doc_is_generated_from_the_catalog() -> None:
    doc = REPO / "docs" / "rules.md"
    assert doc.is_file(), "docs/rules.md is missing: python tools/gen_rule_docs.py"
    assert doc.read_text(encoding="utf-8") == catalog_markdown(), (
        "docs/rules.md is out of date: python tools/gen_rule_docs.py")


def test_rules_doc_lists_every_rule(catalog) -> None:
    text = catalog_markdown()
    for rid, r in catalog.items():
        assert f"## {rid}" in text and r.slug in text
