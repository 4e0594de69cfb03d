"""Bundled manifests: every file named, hashed and verified; a corrupted file is refused."""
from __future__ import annotations

import json
import shutil
from datetime import date

import pytest

from claimkit.codesets import CodesetError, Registry
from claimkit.codesets.registry import bundled_root
from claimkit.codesets.tables import bundled_releases

SYSTEMS = {"icd10cm", "procedure", "modifier", "pos", "taxonomy", "ncci-ptp", "mue",
           "therapy-threshold", "addon", "telehealth", "therapy-roles"}  # payer-policy tables


def test_every_bundled_release_verifies(reg):
    results = reg.verify()
    assert {r.system for r, _ in results} == SYSTEMS
    assert all(msg == "ok" for _, msg in results), results


def test_manifest_fields(reg):
    for rel in reg.releases():
        assert rel.source and rel.license and len(rel.sha256) == 64 and rel.origin == "bundled"


def test_large_files_are_compressed():
    for rel in bundled_releases(bundled_root()):
        if rel.path.stat().st_size > 100_000:
            assert rel.path.suffix == ".gz"


def test_hash_mismatch_is_refused(tmp_path):
    copy = tmp_path / "codesets"
    shutil.copytree(bundled_root(), copy)
    target = copy / "mue" / "mue_practitioner_2024-04-01_therapy.tsv"
    target.write_text(target.read_text().replace("97110\t6", "97110\t9"))
    reg = Registry(bundled_releases(copy))
    with pytest.raises(CodesetError, match="sha256 mismatch"):
        reg.mue("97110", date(2024, 5, 1))


def test_unreadable_manifest_is_a_codeset_error(tmp_path):
    (tmp_path / "icd10cm").mkdir()
    (tmp_path / "icd10cm" / "manifest.json").write_text("{not json")
    with pytest.raises(CodesetError, match="unreadable manifest"):
        bundled_releases(tmp_path)


def test_sources_document_every_release():
    sources = json.loads((bundled_root() / "sources.json").read_text())
    named = {(s, r["name"]) for s, rels in sources["systems"].items() for r in rels}
    assert named == {(r.system, r.name) for r in bundled_releases(bundled_root())}
