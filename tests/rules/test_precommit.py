"""The pre-commit hook definition: runs `claimkit validate` on the files it claims to."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

HOOKS = Path(__file__).resolve().parents[2] / ".pre-commit-hooks.yaml"


@pytest.fixture(scope="module")
def hook() -> dict:
    [h] = yaml.safe_load(HOOKS.read_text())
    return h


def test_hook_runs_claimkit_validate(hook: dict) -> None:
    assert hook["id"] == "claimkit-validate" and hook["entry"] == "claimkit validate"
    assert hook["language"] == "python"


@pytest.mark.parametrize("path,match", [
    ("claims/batch.837", True), ("in/2024.x12", True), ("x/OUT.EDI", True), ("a.837p", True),
    ("sessions.csv", True), ("data/sessions-jan.jsonl", True), ("claims.json", True),
    ("records/sessions.yaml", True), ("README.md", False), ("pyproject.toml", False),
    ("src/app.json", False), ("notes.csv", False),
])
def test_hook_file_pattern(hook: dict, path: str, match: bool) -> None:
    assert bool(re.search(hook["files"], path)) is match
