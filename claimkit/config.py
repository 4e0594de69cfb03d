"""Practice configuration: ``claimkit.toml`` or ``[tool.claimkit]`` in pyproject.toml."""
from __future__ import annotations

import re
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator

from claimkit.config_parts import FacilityConfig, ReferringProviderConfig
from claimkit.errors import ConfigError
from claimkit.models.claim import Envelope, Party837
from claimkit.models.common import Address, Strict

MAX_CONFIG_BYTES = 1024 * 1024  # a practice configuration is a few KB


class BillingProvider(Strict):
    """The practice that bills (2010AA): name, NPI, EIN, taxonomy, address and contact."""

    name: str = Field(min_length=1, max_length=60)
    npi: str = Field(pattern=r"^[0-9]{10}$")
    ein: str = Field(pattern=r"^[0-9]{9}$")
    taxonomy: str = Field(pattern=r"^[0-9A-Z]{9}X$")
    address: Address
    phone: str | None = None  # cleaned to 10 digits (+ extension) by _contact_numbers
    phone_extension: str | None = None
    contact_name: str | None = None

    @field_validator("ein", mode="before")
    @classmethod
    def _ein(cls, v: object) -> object:
        return v.replace("-", "") if isinstance(v, str) else v


class ProviderConfig(Strict):
    """A rendering provider of the practice (2310B), keyed in the configuration by provider ID."""

    npi: str = Field(pattern=r"^[0-9]{10}$")
    last_name: str = Field(min_length=1, max_length=60)
    first_name: str | None = None
    taxonomy: str = Field(pattern=r"^[0-9A-Z]{9}X$")
    # "none": this provider works outside a therapy plan of care (e.g. a massage therapist)
    therapy_modifier: str | None = Field(default=None, pattern=r"^(GP|GO|GN|none)$")


# SBR09 claim filing indicators of the programs that must apply the NCCI edits: Medicare Part A
# and B (MA, MB) and Medicaid (MC; Medicaid NCCI, ACA sec. 6507). The default of ``ncci``.
NCCI_FILING_INDICATORS = frozenset({"MA", "MB", "MC"})


class TherapyUsed(Strict):
    """What a patient's Medicare therapy benefit has already absorbed in one calendar year
    (incurred expenses from other providers or earlier claims: the MAC's eligibility response),
    counted towards the KX modifier threshold (CK-P001, CK-P002)."""

    year: int = Field(ge=2018, le=2100)
    pt_slp: Decimal = Field(default=Decimal(0), ge=0, description="PT and SLP combined")
    ot: Decimal = Field(default=Decimal(0), ge=0)


class PayerConfig(Strict):
    """One payer's settings: IDs, unit rule, filing indicator, fees and which payer edits apply."""

    name: str = Field(min_length=1, max_length=60)
    payer_id: str = Field(min_length=2, max_length=80)
    unit_rule: Literal["cms", "ama"] = "cms"
    medicare: bool = False
    filing_indicator: str = Field(default="CI", pattern=r"^[0-9A-Z]{1,2}$")
    timely_filing_days: int | None = Field(default=None, gt=0)
    fees: dict[str, Decimal] = Field(default_factory=dict, description="per-unit fee by code")
    # Payer edits (docs/payers.md). None: the default for the payer's kind (see the properties).
    ncci: bool | None = Field(default=None, description="apply NCCI PTP and MUE edits")
    telehealth: Literal["medicare-list", "any", "none"] | None = None
    kx_threshold: bool | None = Field(default=None, description="Medicare KX modifier threshold")
    credentials_by_license: bool = False  # pays only what the rendering provider's licence covers
    therapy_used: dict[str, TherapyUsed] = Field(
        default_factory=dict, description="by member ID: therapy amounts used this year")

    @field_validator("therapy_used")
    @classmethod
    def _therapy_used(cls, v: dict[str, TherapyUsed]) -> dict[str, TherapyUsed]:
        return {k.strip().upper(): used for k, used in v.items()}  # member IDs as claims carry them

    @property
    def applies_ncci(self) -> bool:
        """NCCI PTP/MUE: Medicare and Medicaid must apply them; other payers only when set."""
        if self.ncci is not None:
            return self.ncci
        return self.medicare or self.filing_indicator in NCCI_FILING_INDICATORS

    @property
    def telehealth_policy(self) -> str:
        """Medicare pays telehealth only for codes on its list; other payers: as configured."""
        if self.telehealth is not None:
            return self.telehealth
        return "medicare-list" if self.medicare else "any"

    @property
    def applies_kx_threshold(self) -> bool:
        """Medicare KX modifier threshold (CK-P001, CK-P002): Medicare applies it; other payers only when set."""
        return self.medicare if self.kx_threshold is None else self.kx_threshold

    @field_validator("fees")
    @classmethod
    def _fees(cls, v: dict[str, Decimal]) -> dict[str, Decimal]:
        for code, fee in v.items():
            if fee < 0:
                raise ValueError(f"fee for {code} is negative")
        return {k.upper(): fee for k, fee in v.items()}


class Defaults(Strict):
    """Values a session may leave out: place of service, therapy modifier and claim frequency code."""

    place_of_service: str = Field(default="11", pattern=r"^\d{2}$")
    therapy_modifier: str | None = Field(default="GP", pattern=r"^(GP|GO|GN)$")
    frequency_code: str = Field(default="1", pattern=r"^[178]$")


class ValidateConfig(Strict):
    """The ``[validate]`` table: rule selection, severity overrides and the severity that fails a run."""

    select: list[str] = Field(default_factory=list)
    ignore: list[str] = Field(default_factory=list)
    severity: dict[str, Literal["error", "warning", "info"]] = Field(default_factory=dict)
    fail_on: Literal["error", "warning", "info"] = "error"


class Practice(Strict):
    """The whole practice configuration (``claimkit.toml``), validated."""

    submitter: Party837
    receiver: Party837
    billing_provider: BillingProvider
    providers: dict[str, ProviderConfig] = Field(default_factory=dict)
    payers: dict[str, PayerConfig]
    defaults: Defaults = Field(default_factory=Defaults)
    envelope: Envelope
    validate_: ValidateConfig = Field(default_factory=ValidateConfig, alias="validate")
    codeset_store: str | None = None
    referring_providers: dict[str, ReferringProviderConfig] = Field(default_factory=dict)
    facilities: dict[str, FacilityConfig] = Field(default_factory=dict)

    model_config = Strict.model_config | {"populate_by_name": True}

    def payer(self, key: str) -> PayerConfig:
        """The settings of payer KEY; ConfigError naming the configured keys when there is none."""
        try:
            return self.payers[key]
        except KeyError:
            raise ConfigError(f"unknown payer {key!r}; configured: {', '.join(sorted(self.payers))}")

    def find_payer(self, key: str | None, payer_id: str | None) -> PayerConfig | None:
        """Payer settings by configuration key, else by payer ID (for parsed 837P files)."""
        if key and key in self.payers:
            return self.payers[key]
        for p in self.payers.values():
            if payer_id and p.payer_id == payer_id:
                return p
        return None


def _format_errors(exc: ValidationError) -> str:
    """Every problem of the configuration, each naming its key, in the words the session
    messages use (claimkit.messages), with "did you mean" for a misspelt key."""
    from claimkit.messages import describe_error

    return "; ".join(describe_error(e, model=Practice) or "(top): invalid" for e in exc.errors())


def parse_practice(data: dict[str, Any], source: str) -> Practice:
    """Validate configuration data read from SOURCE; ConfigError names the file and each bad key."""
    data = _contact_numbers(data, source)
    try:
        practice = Practice.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_format_errors(exc), file=source) from None
    _check_envelope_ids(practice, source)
    return practice


# -- the interchange: sender/receiver IDs and contact numbers --------------------------------
def _check_envelope_ids(practice: Practice, source: str) -> None:
    """Sender and receiver IDs must fit the envelope: ISA06/ISA08 are fixed width (a longer
    ID would make a 108-character ISA that no translator reads), GS02/GS03 have a minimum and
    maximum length, ISA05/ISA07 a code list. The limits come from the guide data (X12.5 ISA,
    TR3 appendix C GS), not from here."""
    from claimkit.x12.guide import guide

    isa, gs = guide().envelope["ISA"], guide().envelope["GS"]
    env = practice.envelope
    checks = [  # (configuration key, value, envelope element)
        ("envelope.sender_qualifier", env.sender_qualifier, isa.element(5), "ISA05"),
        ("envelope.sender_id", env.sender_id, isa.element(6), "ISA06"),
        ("envelope.receiver_qualifier", env.receiver_qualifier, isa.element(7), "ISA07"),
        ("envelope.receiver_id", env.receiver_id, isa.element(8), "ISA08"),
        ("envelope.gs_sender" if env.gs_sender else "envelope.sender_id",
         env.gs_sender or env.sender_id, gs.element(2), "GS02"),
        ("envelope.gs_receiver" if env.gs_receiver else "envelope.receiver_id",
         env.gs_receiver or env.receiver_id, gs.element(3), "GS03"),
    ]
    for key, value, el, ref in checks:
        assert el is not None, ref  # the guide defines every ISA and GS element
        value = value.strip()
        if el.codes:
            if value not in el.codes:
                raise ConfigError(f"{key}: {value!r} is not an {ref} qualifier (one of "
                                  f"{', '.join(sorted(el.codes))})", file=source)
            continue
        # ISA06/ISA08 are padded to their fixed width, so only the maximum binds them
        low = 1 if ref.startswith("ISA") else el.min
        if not low <= len(value) <= el.max:
            limit = f"at most {el.max}" if ref.startswith("ISA") else f"{el.min} to {el.max}"
            raise ConfigError(f"{key}: {value!r} has {len(value)} characters; {ref} "
                              f"({el.name}) takes {limit}", file=source)


# An extension after the number: "x12", "ext. 12", "extension 12", "#12".
_EXTENSION = re.compile(r"\s*(?:x|ext\.?|extension|#)\s*([0-9]{1,10})\s*$", re.IGNORECASE)
_PHONE_CHARS = re.compile(r"[0-9()\-. +/]+")


def phone_number(text: str) -> tuple[str, str | None] | None:
    """(10 digits, extension or None) for a US phone number as people write it, e.g.
    ``(217) 555-0100 x12``, ``+1 217.555.0100``; None when ``text`` is not one.

    PER04 after qualifier TE is the number alone: the TR3 (1000A/2010AA PER) says to send it
    as digits with no punctuation (AAABBBCCCC for US numbers), and an extension goes in a
    PER05/PER06 pair with qualifier EX. A North American number has 10 digits and neither its
    area code nor its exchange starts with 0 or 1 (NANP).
    """
    m = _EXTENSION.search(text)
    main, ext = (text[:m.start()], m.group(1)) if m else (text, None)
    if not main.strip() or not _PHONE_CHARS.fullmatch(main.strip()):
        return None
    digits = "".join(c for c in main if c in "0123456789")
    if len(digits) == 11 and digits[0] == "1":  # the country code
        digits = digits[1:]
    if len(digits) != 10 or digits[0] in "01" or digits[3] in "01":
        return None
    return digits, ext


def _contact_numbers(data: dict[str, Any], source: str) -> dict[str, Any]:
    """The submitter's and billing provider's phones as PER wants them (see phone_number),
    before the tables become models; a value that is no phone number is a configuration error
    naming its key. Other shapes are left to the models' own validation."""
    out = dict(data)
    for key in ("submitter", "billing_provider"):
        party = data.get(key)
        if not isinstance(party, dict) or not isinstance(party.get("phone"), str):
            continue
        parsed = phone_number(party["phone"])
        if parsed is None:
            raise ConfigError(f"{key}.phone: {party['phone']!r} is not a phone number (10 digits, "
                              "optionally an extension, e.g. \"(217) 555-0100 x12\")", file=source)
        digits, ext = parsed
        given = party.get("phone_extension")
        if given is not None and not (isinstance(given, str) and given.isascii() and given.isdigit()):
            raise ConfigError(f"{key}.phone_extension: {given!r} is not digits", file=source)
        if ext and given and ext != given:
            raise ConfigError(f"{key}.phone: its extension {ext} differs from "
                              f"{key}.phone_extension {given}", file=source)
        out[key] = {**party, "phone": digits, "phone_extension": ext or given}
    return out


def find_config_file(start: Path | None = None) -> Path | None:
    """The configuration file in force from START (default: the current directory) upwards:
    ``claimkit.toml``, else a ``pyproject.toml`` with a [tool.claimkit] table; None if none."""
    folder = (start or Path.cwd()).resolve()
    for here in (folder, *folder.parents):
        if (here / "claimkit.toml").is_file():
            return here / "claimkit.toml"
        py = here / "pyproject.toml"
        if py.is_file():
            try:
                has = "claimkit" in tomllib.loads(py.read_text(encoding="utf-8")).get("tool", {})
            except (ValueError, RecursionError, OSError):  # TOMLDecodeError, UnicodeDecodeError too
                has = False  # an unreadable pyproject is not ours to report
            if has:
                return py
    return None


def load_practice(path: str | Path | None = None, *, search_from: Path | None = None) -> Practice:
    """Load the practice configuration.

    Order: an explicit path (a claimkit.toml, or a pyproject.toml with [tool.claimkit]);
    otherwise the file :func:`find_config_file` finds from ``search_from``.
    """
    if path is None:
        path = find_config_file(search_from)
        if path is None:
            raise ConfigError("no claimkit.toml or [tool.claimkit] in pyproject.toml found; pass --config")
    return _load_file(Path(path))


def _load_file(path: Path) -> Practice:
    return parse_practice(read_config_table(path), str(path))


def read_config_table(path: str | Path) -> dict:
    """The claimkit table of a configuration file (claimkit.toml, or [tool.claimkit] of a
    pyproject.toml): the one reader of configuration files, with their size, nesting and
    number limits; ConfigError naming the file otherwise."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError("is a directory, not a file" if path.is_dir() else "file not found",
                          file=str(path))
    try:
        size = path.stat().st_size
        if size > MAX_CONFIG_BYTES:
            raise ConfigError(f"larger than the {MAX_CONFIG_BYTES // 1024} KB limit for a "
                              "configuration file", file=str(path))
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"not valid TOML: {exc}", file=str(path)) from None
    except RecursionError:  # tomllib recurses into nested arrays
        raise ConfigError("not valid TOML: nested too deeply", file=str(path)) from None
    except ValueError as exc:  # e.g. an integer over int()'s 4,300-digit limit
        raise ConfigError(f"not valid TOML: {str(exc).split(';')[0]}", file=str(path)) from None
    except OSError as exc:
        raise ConfigError(exc.strerror or "cannot read", file=str(path)) from None
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("claimkit")
        if not isinstance(data, dict):
            raise ConfigError("no [tool.claimkit] table", file=str(path))
    return data
