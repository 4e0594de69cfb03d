"""Validation orchestration: detect each input's kind, read it claim by claim, run the rules.

Inputs: 837P X12 files (streamed by ``claimkit.x12.parser.scan_837``), claims JSON (as written
by ``claimkit build --to json`` or by hand) or claims XML, and session files (loaded and built into claims
with the practice configuration). Every claim goes through the claim-scope rules of the catalog;
X12 files also get the syntax and implementation-guide rules inside the scan.

Unusable input raises :class:`~claimkit.errors.InputError` (exit 2 at the CLI); everything
about content is a Diagnostic.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from pydantic import ValidationError

from claimkit.diagnostics import Diagnostic, Location, Report, Severity
from claimkit.errors import ConfigError, InputError
from claimkit.models.claim import Claim
from claimkit.rules.catalog import load_catalog
from claimkit.rules.content_support import CachedRegistry
from claimkit.rules.engine import Context, Selection, rules_for, to_diagnostic

KINDS = ("auto", "x12", "claims", "sessions")
_WS = b" \t\r\n\x0b\x0c"
_BOM = b"\xef\xbb\xbf"
_SNIFF = 64 * 1024


@dataclass
class ClaimResult:
    """One validated claim with where it came from and its findings (X12 and content rules)."""

    file: str
    claim: Claim
    origin: Any  # an engine Origin: locate(line, field) -> Location
    diagnostics: list[Diagnostic] = field(default_factory=list)


@dataclass
class FileResult:
    path: str
    kind: str
    claims: int = 0
    claim_ids: list[str] = field(default_factory=list)
    # X12 inputs: the parser's interchange info (ISA/GS/ST control numbers and counts) for
    # acknowledgments (999/277CA); empty for other kinds.
    interchanges: list[Any] = field(default_factory=list)


@dataclass
class ValidationResult:
    """Everything one validation run found; ``claims`` is filled only when asked (keep_claims)."""

    files: list[FileResult] = field(default_factory=list)
    report: Report = field(default_factory=Report)
    claims: list[ClaimResult] = field(default_factory=list)

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return self.report.diagnostics

    @property
    def claim_count(self) -> int:
        return sum(f.claims for f in self.files)

    def counts(self) -> dict[str, int]:
        return self.report.counts()

    def failed(self, fail_on: Severity = Severity.ERROR) -> bool:
        return bool(self.report.at_least(fail_on))


# -- input kind ---------------------------------------------------------------------------------
def detect_kind(head: bytes, name: str = "") -> str:
    """'x12' | 'claims' | 'sessions' from the first bytes of a file (content, not suffix)."""
    text = head[len(_BOM):] if head.startswith(_BOM) else head
    text = text.lstrip(_WS)
    if text[:3] == b"ISA":
        return "x12"
    if text[:1] == b"<":
        return "claims"  # claims XML (claimkit's XSD); read by claimkit.xml.reader
    if text[:1] in (b"{", b"["):
        return _json_kind(text, name)
    return "sessions"  # CSV or YAML session records; the loader reports what it cannot read


def _json_kind(text: bytes, name: str) -> str:
    """Claims JSON: an object with "claims", a claim object, or a list of claim objects."""
    try:
        data = json.loads(text)
    except ValueError:
        # Truncated sniff of a big file, or JSONL: decide on the first record's shape.
        first = text.split(b"\n", 1)[0]
        try:
            data = json.loads(first)
        except ValueError:
            return "claims" if b'"claim_id"' in text[:_SNIFF] and b'"lines"' in text[:_SNIFF] else "sessions"
    if isinstance(data, dict) and "claims" in data:
        return "claims"
    sample = data[0] if isinstance(data, list) and data else data
    if isinstance(sample, dict) and "claim_id" in sample and "lines" in sample:
        return "claims"
    return "sessions"


def _first_byte(path: Path) -> bytes:
    with open(path, "rb") as fh:
        head = fh.read(4096)
    return head.removeprefix(_BOM).lstrip(_WS)[:1]


def sniff(path: Path) -> str:
    try:
        with open(path, "rb") as fh:
            head = fh.read(_SNIFF)
    except IsADirectoryError:
        raise InputError("is a directory, not a file", file=str(path)) from None
    except OSError as exc:
        raise InputError(exc.strerror or "cannot read", file=str(path)) from None
    if not head.strip(_WS + _BOM):
        raise InputError("the file is empty", file=str(path))
    return detect_kind(head, path.name)


# -- claims JSON ------------------------------------------------------------------------------
@dataclass(frozen=True)
class JsonClaimOrigin:
    """Locations in a claims JSON file: the claim (by its ID) and line number."""

    file: str
    claim_id: str

    def locate(self, line: int | None, field: str | None) -> Location:
        return Location(file=self.file, claim_id=self.claim_id, line=line, field=field)


def load_claims_json(path: Path) -> Iterator[tuple[Claim, JsonClaimOrigin]]:
    """Claims from a JSON file: {"claims": [...]}, a list of claims, or one claim.

    ``total_charge`` as written by claimkit is the stated total (kept as ``stated_total`` when
    the model has that field, so CK-B001 checks it).
    """
    name = str(path)
    raw = path.read_bytes()
    try:
        data = json.loads(raw)
    except ValueError as exc:
        data = _jsonl(raw, name, exc)
    if isinstance(data, dict) and "claims" in data:
        items = data["claims"]
    elif isinstance(data, list):
        items = data
    else:
        items = [data]
    if not isinstance(items, list):
        raise InputError('"claims" is not a list', file=name)
    has_stated = "stated_total" in Claim.model_fields
    for i, item in enumerate(items):
        where = f"claims[{i}]"
        if not isinstance(item, dict):
            raise InputError("a claim is not an object", file=name, where=where)
        item = dict(item)
        stated = item.pop("total_charge", None)
        if has_stated and stated is not None and item.get("stated_total") is None:
            item["stated_total"] = stated
        try:
            claim = Claim.model_validate(item)
        except ValidationError as exc:
            e = exc.errors()[0]
            loc = ".".join(str(p) for p in e["loc"]) or "(claim)"
            more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
            cid = item.get("claim_id")
            raise InputError(f"{loc}: {e['msg']}{more}", file=name,
                             where=f"{where} (claim {cid})" if isinstance(cid, str) else where) from None
        yield claim, JsonClaimOrigin(name, claim.claim_id)


def _jsonl(raw: bytes, name: str, first_error: ValueError) -> list[Any]:
    """One claim per line (JSON Lines); the original error when the file is not that either."""
    lines = [(n, ln) for n, ln in enumerate(raw.splitlines(), start=1) if ln.strip()]
    if len(lines) < 2 or not lines[0][1].lstrip().startswith(b"{"):
        raise InputError(f"not valid JSON: {first_error}", file=name) from None
    out = []
    for n, ln in lines:
        try:
            out.append(json.loads(ln))
        except ValueError as exc:
            raise InputError(f"not valid JSON: {exc}", file=name, where=f"line {n}") from None
    return out


# -- orchestration ----------------------------------------------------------------------------
class Validator:
    """Validates files one at a time with one context (registry, practice, today, selection)."""

    def __init__(self, *, practice: Any = None, registry: Any = None, today: date,
                 selection: Selection | None = None) -> None:
        load_catalog()
        self.practice = practice
        if registry is None:
            from claimkit.codesets import default_registry

            store = getattr(practice, "codeset_store", None) if practice is not None else None
            registry = default_registry(Path(store) if store else None)
        self.registry = CachedRegistry(registry)  # answers repeat across claims: compute once
        self.today = today
        self.selection = selection or Selection()
        self.interchanges: dict[str, list[Any]] = {}  # per X12 file, filled by the scan
        # Resolved once: the enabled claim rules and their effective severities.
        self._claim_rules = [(r, self.selection.severity_of(r))
                             for r in rules_for("claim", self.selection)]

    def context(self, file: str) -> Context:
        return Context(registry=self.registry, today=self.today, practice=self.practice, file=file)

    def iter_file(self, path: str | Path, kind: str = "auto") -> Iterator[ClaimResult | Diagnostic]:
        """Yield a ClaimResult per claim and a Diagnostic for each finding outside any claim."""
        p = Path(path)
        if kind not in KINDS:
            raise ConfigError(f"unknown input kind {kind!r}; choose one of {', '.join(KINDS)}")
        if kind == "auto":
            kind = sniff(p)
        elif not p.is_file():
            raise InputError("no such file" if not p.exists() else "is not a file", file=str(p))
        yield from {"x12": self._x12, "claims": self._claims, "sessions": self._sessions}[kind](p)

    def check_claim(self, claim: Claim, origin: Any, file: str,
                    before: Iterable[Diagnostic] = ()) -> ClaimResult:
        ctx = self.context(file)
        diags = list(before)
        for r, sev in self._claim_rules:  # engine.run, without re-resolving the rules per claim
            for hit in r.func(claim, ctx):
                diags.append(to_diagnostic(r, sev, hit, origin))
        return ClaimResult(file, claim, origin, [_with_file(d, file) for d in diags])

    def _x12(self, path: Path) -> Iterator[ClaimResult | Diagnostic]:
        from claimkit.x12.parser import scan_837

        name = str(path)
        pending: list[Diagnostic] = []
        scan = scan_837(path, file=name, ctx=self.context(name), selection=self.selection)
        self.interchanges[name] = scan.interchanges  # complete once the scan is exhausted
        for item in scan:
            if isinstance(item, Diagnostic):
                if item.location.claim_id:
                    pending.append(item)  # attach to its claim when the claim arrives
                else:
                    yield item
                continue
            cid = item.claim.claim_id
            mine = [d for d in pending if d.location.claim_id == cid]
            for d in pending:
                if d.location.claim_id != cid:
                    yield d  # a finding for a claim that never completed
            pending = []
            yield self.check_claim(item.claim, item.origin, name, mine)
        yield from pending

    def _claims(self, path: Path) -> Iterator[ClaimResult | Diagnostic]:
        name = str(path)
        if _first_byte(path) == b"<":
            from claimkit.xml.reader import read_xml_with_origins

            batch, origins = read_xml_with_origins(path)
            pairs: Iterable[tuple[Claim, Any]] = zip(batch.claims, origins)
        else:
            pairs = load_claims_json(path)
        for claim, origin in pairs:
            yield self.check_claim(claim, origin, name)

    def _sessions(self, path: Path) -> Iterator[ClaimResult | Diagnostic]:
        from claimkit.build import build_claims
        from claimkit.loaders import load_sessions

        name = str(path)
        if self.practice is None or isinstance(self.practice, RulesOnly):
            raise ConfigError("session records need the practice configuration to become claims "
                              "(claimkit.toml, [tool.claimkit] in pyproject.toml, or --config)",
                              file=name)
        built = build_claims(load_sessions(path), self.practice, self.registry)
        by_claim: dict[str | None, list[Diagnostic]] = {}
        for d in built.diagnostics:
            d = self._select(d)
            if d is not None:
                by_claim.setdefault(d.location.claim_id, []).append(d)
        known = {c.claim_id for c in built.claims}
        for cid, diags in by_claim.items():
            if cid not in known:
                yield from diags
        for claim, origin in zip(built.claims, built.origins):
            yield self.check_claim(claim, origin, name, by_claim.get(claim.claim_id, []))

    def _select(self, d: Diagnostic) -> Diagnostic | None:
        """Apply the user's selection and severity overrides to a builder finding."""
        r = load_catalog().get(d.rule)
        if r is None:
            return d
        if not self.selection.enabled(r):
            return None
        sev = self.selection.severity_of(r)
        return d if sev == d.severity else Diagnostic(d.rule, sev, d.message, d.location, d.slug,
                                                      d.fix, d.level, d.values)


def _with_file(d: Diagnostic, file: str) -> Diagnostic:
    return d if d.location.file else d.with_location(file=file)


# -- settings ---------------------------------------------------------------------------------
@dataclass
class RulesOnly:
    """A configuration with only rule settings ([validate], codeset_store) and no practice:
    enough to validate 837P files and claims JSON in CI (no payer is configured)."""

    validate_: Any
    codeset_store: str | None = None

    def find_payer(self, key: str | None, payer_id: str | None) -> None:
        return None


_RULES_ONLY_KEYS = {"validate", "codeset_store"}


def load_config(path: str | Path) -> Any:
    """A claimkit.toml or pyproject.toml ([tool.claimkit]): the Practice, or :class:`RulesOnly`
    when the table holds nothing but ``[validate]`` / ``codeset_store``."""
    import tomllib

    from pydantic import ValidationError as _VE

    from claimkit.config import ValidateConfig, load_practice

    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return load_practice(p)  # reports the problem with the file name
    table = data.get("tool", {}).get("claimkit") if p.name == "pyproject.toml" else data
    if isinstance(table, dict) and table and set(table) <= _RULES_ONLY_KEYS:
        try:
            rules = ValidateConfig.model_validate(table.get("validate", {}))
        except _VE as exc:
            raise ConfigError(f"[validate]: {exc.errors()[0]['msg']}", file=str(p)) from None
        return RulesOnly(rules, table.get("codeset_store"))
    return load_practice(p)


def find_practice(start: Path | None = None) -> Any:
    """The configuration found from START upwards (claimkit.toml, then pyproject.toml with
    [tool.claimkit]), or None when there is none: validation needs no configuration."""
    import tomllib

    folder = (start or Path.cwd()).resolve()
    for here in (folder, *folder.parents):
        if (here / "claimkit.toml").is_file():
            return load_config(here / "claimkit.toml")
        py = here / "pyproject.toml"
        if py.is_file():
            try:
                has = "claimkit" in tomllib.loads(py.read_text(encoding="utf-8")).get("tool", {})
            except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError):
                has = False
            if has:
                return load_config(py)
    return None


def _check_keys(keys: Iterable[str], what: str) -> None:
    catalog = load_catalog()
    for k in keys:
        if not any(k == r.id or k == r.slug or r.id.startswith(k) for r in catalog.values()):
            raise ConfigError(f"{what}: no rule matches {k!r} (see `claimkit rules list`)")


def make_selection(*, config: Any = None, select: Sequence[str] = (), ignore: Sequence[str] = (),
                   severity: dict[str, str] | None = None) -> Selection:
    """Rule selection: the practice's [validate] table, then flags.

    ``select`` from flags replaces the configured list; ``ignore`` adds to it; ``severity``
    entries override the configured level of the same rule. Unknown rule IDs or slugs are a
    ConfigError (a typo must not silently turn a rule off).
    """
    cfg_select = list(getattr(config, "select", []) or [])
    cfg_ignore = list(getattr(config, "ignore", []) or [])
    sev: dict[str, str] = dict(getattr(config, "severity", {}) or {})
    sel = list(select) or cfg_select
    ign = cfg_ignore + list(ignore)
    sev.update(severity or {})
    _check_keys(sel, "select")
    _check_keys(ign, "ignore")
    _check_keys(sev, "severity")
    levels = {}
    for k, v in sev.items():
        try:
            levels[k] = Severity(v)
        except ValueError:
            raise ConfigError(f"severity of {k}: {v!r} is not error, warning or info") from None
    return Selection(select=frozenset(sel), ignore=frozenset(ign), severity=levels)


def validate_paths(paths: Sequence[str | Path], *, kind: str = "auto", practice: Any = None,
                   registry: Any = None, today: date, selection: Selection | None = None,
                   keep_claims: bool = False,
                   progress: Callable[[str, int], None] | None = None) -> ValidationResult:
    """Validate files and collect every finding.

    Args:
        paths: input files (each detected by content unless ``kind`` forces one).
        kind: "auto", "x12", "claims" or "sessions".
        practice: the practice configuration, or None (payer rules are then skipped; session
            files need one).
        registry: a codeset registry (default: bundled plus the practice's codeset store).
        today: the date rules compare with (the caller reads the clock).
        selection: rule selection and severity overrides.
        keep_claims: keep every ClaimResult (claims, origins, per-claim findings) in
            ``result.claims``; off by default so memory stays flat on large files.
        progress: called as ``progress(file, claims_done)`` after each claim.
    """
    v = Validator(practice=practice, registry=registry, today=today, selection=selection)
    result = ValidationResult()
    for path in paths:
        detected = kind if kind != "auto" else sniff(Path(path))
        fr = FileResult(str(path), detected)
        result.files.append(fr)
        for item in v.iter_file(path, detected):
            if isinstance(item, Diagnostic):
                result.report.diagnostics.append(_with_file(item, fr.path))
                continue
            fr.claims += 1
            fr.claim_ids.append(item.claim.claim_id)
            result.report.extend(item.diagnostics)
            if keep_claims:
                result.claims.append(item)
            if progress is not None:
                progress(fr.path, fr.claims)
        fr.interchanges = v.interchanges.pop(fr.path, [])
    return result
