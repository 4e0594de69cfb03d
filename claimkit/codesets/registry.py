"""The codeset registry: every code question answered as of a date of service."""
from __future__ import annotations

import re
import threading
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from claimkit._resources import data_path
from claimkit.errors import CodesetError

from . import dated, icd
from .model import SYSTEMS, Diff, Lookup, Mue, PtpEdit, Release, Status
from .ncci import MueTable, PtpTable
from .policy import POLICY_SYSTEMS, PolicyTable
from .tables import bundled_releases, sha256_file

_CPT = re.compile(r"^\d{4}[0-9FTU]$")
_LEVEL2 = re.compile(r"^[A-Z]\d{4}$")
_ICD = re.compile(r"^[A-Z]\d[0-9A-Z]{1,5}$")
_TAXONOMY = re.compile(r"^[0-9A-Z]{9}X$")


POLICY_MEMO_MAX = 65536  # payer-policy answers remembered per registry, then forgotten

class Registry:
    """Bundled and user-imported releases; tables load lazily on first use and stay cached."""

    def __init__(self, releases: Iterable[Release], store: Path | None = None) -> None:
        self.store = store
        self._releases = list(releases)
        self._tables: dict[tuple[str, str, str], object] = {}
        self._lock = threading.Lock()
        # Releases never change after construction (an import builds a new registry), so the
        # per-system lists and the release answering each date are computed once: validation
        # asks these questions for every line of every claim.
        self._by_system: dict[str | None, list[Release]] = {}
        self._answering: dict[tuple[str, date], tuple[Release | None, bool]] = {}
        # Payer-policy answers by (system, code, date, kind): the therapy edits ask them for
        # every line; a claim file repeats few codes and dates (bounded: cleared when full).
        self._policy: dict[tuple[str, str, date, str], list[dict[str, str]] | None] = {}
        self._policy_codes: dict[tuple[str, str], frozenset[str]] = {}

    # -- releases -----------------------------------------------------------------------------
    def releases(self, system: str | None = None) -> list[Release]:
        """Installed releases (of SYSTEM), oldest first; bundled before user on equal dates."""
        found = self._by_system.get(system)
        if found is None:
            rels = [r for r in self._releases if system is None or r.system == system]
            found = self._by_system[system] = sorted(
                rels, key=lambda r: (r.system, r.effective_from or date.min, r.origin != "bundled", r.name))
        return list(found)

    def release_for(self, system: str, on: date) -> Release | None:
        """The release that answers for ON: user imports win over bundled, then the latest start."""
        rel, _ = self.answering(system, on)
        return rel

    def answering(self, system: str, on: date) -> tuple[Release | None, bool]:
        """(release, stale): stale when a carry-forward release (NCCI, MUE) ended before ON."""
        key = (system, on)
        found = self._answering.get(key)
        if found is None:
            found = self._answering[key] = self._answer(system, on)
        return found

    def _answer(self, system: str, on: date) -> tuple[Release | None, bool]:
        rels = self._by_system.get(system) or self.releases(system)
        covering = [r for r in rels if r.covers(on)]
        if covering:
            return max(covering, key=lambda r: (r.origin == "user", r.effective_from or date.min)), False
        later = [r for r in rels if r.carry_forward and r.effective_to and r.effective_to < on]
        if later:
            return max(later, key=lambda r: (r.effective_to, r.origin == "user")), True
        return None, False

    def release_named(self, system: str, name: str) -> Release:
        """The release of SYSTEM called NAME (a user import wins over a bundled one of that name)."""
        matches = [r for r in self.releases(system) if r.name == name]
        if not matches:
            names = ", ".join(r.name for r in self.releases(system)) or "none"
            raise CodesetError(f"no {system} release named {name!r} (installed: {names})")
        return max(matches, key=lambda r: r.origin == "user")

    def table(self, release: Release):
        """The loaded table of RELEASE (hash verified on first load)."""
        key = (release.origin, release.system, release.name)
        tab = self._tables.get(key)
        if tab is None:
            with self._lock:
                tab = self._tables.get(key)
                if tab is None:
                    tab = _LOADERS.get(release.system, dated.DatedTable)(release)
                    self._tables[key] = tab
        return tab

    # -- lookups ------------------------------------------------------------------------------
    def lookup(self, system: str, code: str, on: date) -> Lookup:
        """Status of CODE in SYSTEM on date ON, with the release that answered."""
        if system == "icd10cm":
            return icd.lookup(self, code, on)
        if system == "procedure":
            return dated.lookup_procedure(self, code, on)
        if system in ("hcpcs", "cpt", "modifier", "pos", "taxonomy"):
            return dated.lookup_dated(self, system, code, on)
        raise CodesetError(f"unknown code system {system!r} (use one of: {', '.join(SYSTEMS[:7])})")

    def detect_system(self, code: str) -> str:
        """Guess the system of CODE by its shape; letter+4 digits is a procedure only if known as one."""
        c = code.strip().upper()
        if "." in c:
            return "icd10cm"
        if _TAXONOMY.match(c):
            return "taxonomy"
        if len(c) == 2 and c.isalnum():
            if c.isdigit() and not self._known("modifier", c):
                return "pos"
            return "modifier"
        if _CPT.match(c):
            return "procedure"
        if _LEVEL2.match(c) and (self._known("procedure", c) or self._known("hcpcs", c)):
            return "procedure"
        if _ICD.match(c):
            return "icd10cm"
        raise CodesetError(f"cannot tell which code system {code!r} belongs to; name it with --system")

    def _known(self, system: str, code: str) -> bool:
        return any(code in self.table(r) for r in self.releases(system))

    def time_model(self, code: str, on: date) -> str | None:
        """'untimed' | 'per15' | 'initial' | 'addon' for a code of the therapy table, else None.

        Returned whatever the code's status on ON (validity is a separate question: lookup)."""
        found = dated.lookup_procedure(self, code, on)
        return found.attrs.get("time_model") if found.status is not Status.NO_RELEASE else None

    def ptp_edit(self, column1: str, column2: str, on: date) -> PtpEdit | None:
        """The NCCI edit with COLUMN1 as column-1 code and COLUMN2 as column-2 code, active on ON."""
        rel, stale = self.answering("ncci-ptp", on)
        if rel is None:
            return None
        return self.table(rel).edit(column1.strip().upper(), column2.strip().upper(), on, stale)

    def ptp_edits_for(self, codes: Iterable[str], on: date) -> list[PtpEdit]:
        """All NCCI edits active on ON between any two of CODES (either order)."""
        rel, stale = self.answering("ncci-ptp", on)
        return [] if rel is None else self.table(rel).edits_for(codes, on, stale)

    def mue(self, code: str, on: date) -> Mue | None:
        """The MUE of CODE in the release answering for date ON, or None (no release, or no MUE)."""
        rel, stale = self.answering("mue", on)
        return None if rel is None else self.table(rel).get(code.strip().upper(), stale)

    def policy(self, system: str, code: str, on: date, kind: str = "") -> list[dict[str, str]] | None:
        """The rows of a payer-policy table (see claimkit.codesets.policy) for CODE on ON; None
        when no release of SYSTEM answers for ON (then the rule asking has nothing to go by).
        The list is shared between callers (memoized): read it, never change it."""
        key = (system, code, on, kind)
        found = self._policy.get(key, self)
        if found is self:  # (a sentinel: None is an answer)
            rel, _ = self.answering(system, on)
            found = None if rel is None else self.table(rel).answer(code, on, kind)
            if len(self._policy) >= POLICY_MEMO_MAX:
                self._policy.clear()
            self._policy[key] = found
        return found  # type: ignore[return-value]

    def policy_codes(self, system: str, kind: str = "") -> frozenset[str]:
        """Every code (of KIND) any release of the payer-policy table SYSTEM lists, on any
        date: what a rule's guard asks before looking codes up by date (memoized)."""
        found = self._policy_codes.get((system, kind))
        if found is None:
            found = self._policy_codes[system, kind] = frozenset(
                code for rel in self.releases(system) for (k, code) in self.table(rel).rows
                if k == kind)
        return found

    def diff(self, system: str, old: str | date, new: str | date) -> Diff:
        """Changes between two releases (names or dates of service)."""
        from .diff import diff

        return diff(self, system, old, new)

    def verify(self) -> list[tuple[Release, str]]:
        """[(release, 'ok' | problem)] after recomputing every data file's sha256."""
        out = []
        for rel in self.releases():
            try:
                digest = sha256_file(rel.path)
            except OSError as exc:
                out.append((rel, f"missing: {exc.strerror}"))
                continue
            out.append((rel, "ok" if digest == rel.sha256 else f"sha256 mismatch (file has {digest[:12]}...)"))
        return out


_LOADERS = {"icd10cm": icd.IcdTable, "ncci-ptp": PtpTable, "mue": MueTable,
            **{system: PolicyTable for system in POLICY_SYSTEMS}}


def bundled_root() -> Path:
    """Where the code sets shipped inside the installed package live."""
    return data_path("codesets")


@lru_cache(maxsize=8)
def _cached(store: Path | None) -> Registry:
    from .store import store_releases

    rels = bundled_releases(bundled_root())
    if store is not None:
        rels += store_releases(store)
    return Registry(rels, store)


def default_registry(user_store: Path | None = None) -> Registry:
    """The registry of bundled releases plus those imported into USER_STORE (cached per store)."""
    return _cached(Path(user_store).expanduser().resolve() if user_store is not None else None)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def registry_for(store: str | Path | None = None) -> Registry:
    """The registry every command uses: bundled releases plus the user store (STORE, else
    $CLAIMKIT_CODESET_STORE, else the per-user data directory), so a release imported with
    `claimkit codeset import` answers in build, validate and units alike."""
    from .store import default_store

    return default_registry(Path(store) if store else default_store())


def clear_cache() -> None:
    """Forget cached registries (after an import into a store)."""
    _cached.cache_clear()


def coverage_status(reg: Registry, today: date) -> list[dict[str, str | None]]:
    """Per system: the newest release, its end, and whether it answers for TODAY.

    state: "current" (a release covers the date), "stale" (the newest release ended before it
    and carries forward: answers are given, flagged), "expired" (no release answers after the
    newest ended: ICD-10-CM, replaced each October 1) or "missing" (the date is before every
    installed release). Every state but current
    comes with a warning naming the file to import and the command."""
    from .updates import update_hint

    out: list[dict[str, str | None]] = []
    for system in sorted({r.system for r in reg.releases()}):
        rels = reg.releases(system)
        newest = max(rels, key=lambda r: (r.effective_to or date.max, r.effective_from or date.min))
        rel, stale = reg.answering(system, today)
        if system == "modifier" and (rel is None or stale):
            hcpcs, hcpcs_stale = reg.answering("hcpcs", today)  # an HCPCS file lists the modifiers too
            if hcpcs is not None and not hcpcs_stale:
                rel, stale = hcpcs, False
        state, warning = "current", None
        if rel is None:
            past = newest.effective_to is not None and today > newest.effective_to
            state = "expired" if past else "missing"
            when = f"the newest, {newest.name}, ended {newest.effective_to}" if past else "none starts this early"
            warning = f"no {system} release installed covers {today}; {when}. {_cap(update_hint(system, today))}"
        elif stale:
            state = "stale"
            kept = ("its edits stay in force until a newer quarter replaces them" if system in ("ncci-ptp", "mue")
                    else "codes with no known end date are carried forward")
            warning = (f"{system} {rel.name} ended {rel.effective_to}; it still answers for {today} ({kept}) "
                       f"but may miss changes since. {_cap(update_hint(system, today))}")
        out.append({"system": system, "newest": newest.name,
                    "ends": newest.effective_to.isoformat() if newest.effective_to else None,
                    "answering": rel.name if rel is not None else None,
                    "state": state, "warning": warning})
    return out
