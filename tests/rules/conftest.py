"""Helpers for the rule tests: build a claim and a context from a data-file case.

A case file (cases/<RULE-ID>/{fail,pass}_*.json) holds a ``claim`` patch merged into
``cases/_base.json``, the ``today`` the clock is frozen at, optional ``payer`` settings (then the
claim's payer is a configured payer), and for failing cases the ``expect``ed findings.
"""
from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from freezegun import freeze_time

CASES = Path(__file__).resolve().parent / "cases"


def merge(base: Any, patch: Any) -> Any:
    """Objects merge key by key (null removes a key); lists and values replace."""
    if isinstance(base, dict) and isinstance(patch, dict):
        out = dict(base)
        for k, v in patch.items():
            if v is None:
                out.pop(k, None)
            else:
                out[k] = merge(out.get(k), v)
        return out
    return copy.deepcopy(patch)


class CasePractice:
    """The smallest practice the engine asks: one configured payer (or none)."""

    def __init__(self, payer: Any) -> None:
        self.payer = payer

    def find_payer(self, key: str | None, payer_id: str | None) -> Any:
        return self.payer


class Case:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.rule = path.parent.name
        self.expect_fail = path.name.startswith("fail_")
        base = json.loads((CASES / "_base.json").read_text())
        self.data = json.loads(path.read_text())
        claim = merge(base["claim"], self.data.get("claim", {}))
        claim["lines"] = [merge(merge(base["_line"], {"number": i}), ln)
                          for i, ln in enumerate(claim["lines"], start=1)]
        self.claim_data = claim
        self.sessions = [merge(merge(base["_session"], {"session_id": f"S{i}"}), s)
                         for i, s in enumerate(self.data.get("sessions", []), start=1)]
        default_today = base["_session_today"] if self.sessions else base["today"]
        self.today = date.fromisoformat(self.data.get("today", default_today))
        self.payer = self.data.get("payer")
        self.expect = self.data.get("expect", [])

    def practice(self) -> Any:
        if self.payer is None:
            return None
        from claimkit.config import PayerConfig

        settings = {"name": self.claim_data["payer"]["name"], "payer_id": self.claim_data["payer"]["payer_id"]}
        return CasePractice(PayerConfig.model_validate(settings | self.payer))

    def run(self, registry: Any, tmp: Path) -> list[Any]:
        """Load the claim the way `claimkit validate` loads claims JSON; run only this rule.

        Session cases go through `claimkit validate`'s session path instead (load, build with
        the demo practice, claim rules) and keep the findings of this rule."""
        if self.sessions:
            return self._run_sessions(registry, tmp)
        from claimkit.rules.catalog import load_catalog
        from claimkit.rules.engine import Context, Selection, run
        from claimkit.validation import load_claims_json

        load_catalog()

        f = tmp / f"{self.rule}_{self.path.stem}.json"
        f.write_text(json.dumps({"claims": [self.claim_data]}))
        [(claim, origin)] = list(load_claims_json(f))
        with freeze_time(self.today.isoformat()):
            ctx = Context(registry=registry, today=date.today(), practice=self.practice(), file=str(f))
            return list(run("claim", claim, ctx, origin, Selection(select=frozenset({self.rule}))))


    def _run_sessions(self, registry: Any, tmp: Path) -> list[Any]:
        from claimkit.config import load_practice
        from claimkit.rules.engine import Selection
        from claimkit.validation import validate_paths

        practice = load_practice(DEMO_CONFIG)
        # JSON Lines: session N is on file line N, so a case's "row" is both
        f = tmp / f"{self.rule}_{self.path.stem}.jsonl"
        f.write_text("".join(json.dumps(s) + "\n" for s in self.sessions))
        with freeze_time(self.today.isoformat()):
            result = validate_paths([f], kind="sessions", practice=practice, registry=registry,
                                    today=date.today(),
                                    selection=Selection(select=frozenset({self.rule})))
        return list(result.diagnostics)


DEMO_CONFIG = Path(__file__).resolve().parents[2] / "fixtures" / "demo" / "claimkit.toml"


def all_case_files() -> list[Path]:
    return sorted(p for p in CASES.glob("CK-*/*.json"))


@pytest.fixture
def make_case():
    return Case
