"""`claimkit init`: write a starter claimkit.toml from flags or prompts, valid by construction."""
from __future__ import annotations

import json
import re
import tomllib
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from . import _common as c


class UnitRule(str, Enum):
    """How a payer counts 15-minute units."""
    cms = "cms"
    ama = "ama"


# What a value must look like, said the way the help says it (pydantic's regex is no help).
_EXPECT = {
    "--npi": "10 digits", "--provider-npi": "10 digits", "--ein": "9 digits (12-3456789)",
    "--taxonomy": "a taxonomy code (9 characters and X, e.g. 225100000X)",
    "--provider-taxonomy": "a taxonomy code (9 characters and X, e.g. 225100000X)",
    "--state": "a two-letter state code", "--zip": "a ZIP code of 5 or 9 digits",
    "--city": "a city name of 2 to 30 characters", "--street": "an address line of 1 to 55 characters",
    "--practice-name": "a name of 1 to 60 characters", "--payer-name": "a name of 1 to 60 characters",
    "--provider-last-name": "a name of 1 to 60 characters", "--payer-id": "an ID of 2 to 80 characters",
}
# Configuration paths -> the flag that sets them (to name the flag in an error).
_FLAGS = {
    "billing_provider.name": "--practice-name", "billing_provider.npi": "--npi",
    "billing_provider.ein": "--ein", "billing_provider.taxonomy": "--taxonomy",
    "billing_provider.address.line1": "--street", "billing_provider.address.city": "--city",
    "billing_provider.address.state": "--state", "billing_provider.address.zip": "--zip",
    "providers.*.last_name": "--provider-last-name", "providers.*.first_name": "--provider-first-name",
    "providers.*.npi": "--provider-npi", "providers.*.taxonomy": "--provider-taxonomy",
    "payers.*.name": "--payer-name", "payers.*.payer_id": "--payer-id",
    "submitter.name": "--practice-name", "submitter.id": "--submitter-id",
    "receiver.name": "--receiver-name", "receiver.id": "--receiver-id",
    "envelope.sender_id": "--submitter-id", "envelope.receiver_id": "--receiver-id",
}


def _opt(flag: str, text: str):
    return typer.Option(flag, help=text, show_default=False)


def init(
    practice_name: Annotated[Optional[str], _opt(
        "--practice-name", "billing practice name (as on the payer's file)")] = None,
    npi: Annotated[Optional[str], _opt("--npi", "the practice's 10-digit NPI (check digit verified)")] = None,
    ein: Annotated[Optional[str], _opt("--ein", "employer identification number, 12-3456789")] = None,
    taxonomy: Annotated[Optional[str], typer.Option(
        "--taxonomy", help="the practice's provider taxonomy code [default: 225100000X, physical therapist]")] = None,
    street: Annotated[Optional[str], _opt("--street", "street address of the practice (no P.O. box)")] = None,
    city: Annotated[Optional[str], _opt("--city", "city")] = None,
    state: Annotated[Optional[str], _opt("--state", "two-letter state code")] = None,
    zip_code: Annotated[Optional[str], _opt("--zip", "ZIP code, 5 or 9 digits")] = None,
    provider_last_name: Annotated[Optional[str], _opt(
        "--provider-last-name", "the treating provider's last name")] = None,
    provider_first_name: Annotated[Optional[str], _opt(
        "--provider-first-name", "the treating provider's first name")] = None,
    provider_npi: Annotated[Optional[str], _opt(
        "--provider-npi", "the provider's own NPI (default: the practice NPI)")] = None,
    provider_taxonomy: Annotated[Optional[str], _opt(
        "--provider-taxonomy", "the provider's taxonomy (default: the practice's)")] = None,
    payer_name: Annotated[Optional[str], _opt("--payer-name", "the first payer's name")] = None,
    payer_id: Annotated[Optional[str], _opt(
        "--payer-id", "the first payer's ID (from the payer or clearinghouse list)")] = None,
    unit_rule: Annotated[Optional[UnitRule], typer.Option(
        "--unit-rule", help="how the payer counts 15-minute units: cms (total time) or ama (per code) "
                            "[default: cms]")] = None,
    submitter_id: Annotated[Optional[str], _opt(
        "--submitter-id", "ID the receiver knows you by (default: the EIN digits)")] = None,
    receiver_name: Annotated[Optional[str], _opt(
        "--receiver-name", "clearinghouse name (default: the payer: direct submission)")] = None,
    receiver_id: Annotated[Optional[str], _opt("--receiver-id", "clearinghouse ID (default: the payer ID)")] = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="file to write")] = Path("claimkit.toml"),
    force: Annotated[bool, typer.Option("--force", help="overwrite an existing file")] = False,
    no_input: Annotated[bool, typer.Option(
        "--no-input", help="never prompt: take flags and defaults; a missing required value is an error")] = False,
    quiet: c.QuietOpt = False,
    verbose: c.VerboseOpt = False,
) -> None:
    """Write a starter claimkit.toml: the practice, one provider and one payer.

    Values come from the flags; missing ones are asked for (or, with --no-input, taken from the
    defaults, and a value without a default is an error). The file is checked with claimkit's
    configuration loader before it is written, and an existing file is kept unless --force.
    """
    c.verbosity(quiet, verbose)
    if output.exists() and not force:
        c.fail(f"{output}: already exists; use --force to overwrite it")

    def ask(value: str | None, flag: str, question: str, default: str | None = None) -> str:
        if value is not None and value.strip():
            return value.strip()
        if no_input:
            if default is not None:
                return default
            c.fail(f"{flag} is required with --no-input")
        return typer.prompt(question, default=default).strip()

    def ask_npi(value: str | None, flag: str, question: str, default: str | None = None) -> str:
        import claimkit

        while True:
            value = ask(value, flag, question, default)
            if claimkit.valid_npi(value):
                return value
            problem = (f"{flag}: {value!r} is not a valid NPI (10 digits whose last digit is the "
                       "Luhn check digit over the prefix 80840)")
            if no_input or value_from_flag(flag):
                c.fail(problem)
            c.err(f"error: {problem}")  # asked interactively: ask again
            value = None

    def value_from_flag(flag: str) -> bool:
        return {"--npi": npi, "--provider-npi": provider_npi}.get(flag) is not None

    name = ask(practice_name, "--practice-name", "Practice name")
    npi_ = ask_npi(npi, "--npi", "Practice NPI")
    ein_ = ask(ein, "--ein", "EIN (12-3456789)")
    taxonomy_ = ask(taxonomy, "--taxonomy", "Practice taxonomy", "225100000X").upper()
    street_ = ask(street, "--street", "Street address")
    city_ = ask(city, "--city", "City")
    state_ = ask(state, "--state", "State (2 letters)").upper()
    zip_ = ask(zip_code, "--zip", "ZIP code")
    last = ask(provider_last_name, "--provider-last-name", "Provider last name")
    first = ask(provider_first_name, "--provider-first-name", "Provider first name", "")
    p_npi = ask_npi(provider_npi, "--provider-npi", "Provider NPI", npi_)
    p_tax = ask(provider_taxonomy, "--provider-taxonomy", "Provider taxonomy", taxonomy_).upper()
    payer = ask(payer_name, "--payer-name", "Payer name")
    pid = ask(payer_id, "--payer-id", "Payer ID")
    rule = unit_rule.value if unit_rule is not None else ask(None, "--unit-rule", "Unit rule (cms or ama)", "cms")
    if rule not in ("cms", "ama"):
        c.fail(f"--unit-rule: {rule!r} is not one of 'cms', 'ama'")
    sub_id = ask(submitter_id, "--submitter-id", "Submitter ID", re.sub(r"\D", "", ein_))
    recv_name = ask(receiver_name, "--receiver-name", "Receiver (clearinghouse) name", payer)
    recv_id = ask(receiver_id, "--receiver-id", "Receiver (clearinghouse) ID", pid)

    text = render_toml(
        name=name, npi=npi_, ein=ein_, taxonomy=taxonomy_, street=street_, city=city_, state=state_,
        zip_code=zip_, provider_key=_key(last, "provider"), last=last, first=first, provider_npi=p_npi,
        provider_taxonomy=p_tax, payer_key=_key(payer, "payer"), payer=payer, payer_id=pid,
        unit_rule=rule, submitter_id=sub_id, receiver_name=recv_name, receiver_id=recv_id)
    _check(text, output)
    with c.guard([output]):
        if force:
            c.write_atomic(output, text)
        else:
            with open(output, "x", encoding="utf-8", newline="") as fh:  # never over a file made meanwhile
                fh.write(text)
    c.info(f"wrote {output}; next: claimkit build SESSIONS -c {output}")


def _key(name: str, fallback: str) -> str:
    """A TOML table key from a name: 'Maria Rivera' -> 'maria_rivera'."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or fallback


def _s(value: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's; DEL must be escaped too)."""
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def render_toml(**v: str) -> str:
    """The starter claimkit.toml for the values asked (every string TOML-escaped)."""
    first = f"first_name = {_s(v['first'])}\n" if v["first"] else ""
    return f"""# claimkit configuration, written by `claimkit init`. See README.md for every setting.

[submitter]
name = {_s(v['name'])}
id = {_s(v['submitter_id'])}

[receiver]
name = {_s(v['receiver_name'])}
id = {_s(v['receiver_id'])}

[billing_provider]
name = {_s(v['name'])}
npi = {_s(v['npi'])}
ein = {_s(v['ein'])}
taxonomy = {_s(v['taxonomy'])}
address = {{ line1 = {_s(v['street'])}, city = {_s(v['city'])}, state = {_s(v['state'])}, zip = {_s(v['zip_code'])} }}

[providers.{v['provider_key']}]
npi = {_s(v['provider_npi'])}
last_name = {_s(v['last'])}
{first}taxonomy = {_s(v['provider_taxonomy'])}

[payers.{v['payer_key']}]
name = {_s(v['payer'])}
payer_id = {_s(v['payer_id'])}
unit_rule = "{v['unit_rule']}"
# fees: per-unit fee by code, e.g. [payers.{v['payer_key']}.fees] "97110" = 45.00

[envelope]
sender_id = {_s(v['submitter_id'])}
receiver_id = {_s(v['receiver_id'])}
usage_indicator = "T"   # T = test; P once the receiver has approved your production files
"""


def _check(text: str, output: Path) -> None:
    """Load the text as the configuration loader would; name the flag of a bad value."""
    import claimkit

    data = tomllib.loads(text)
    try:
        claimkit.check_settings(data, str(output))
    except claimkit.ConfigError as exc:
        problems = []
        for part in exc.detail.split("; "):
            loc, _, msg = part.partition(": ")
            generic = re.sub(r"^(providers|payers)\.[^.]+\.", r"\1.*.", loc)
            flag = _FLAGS.get(generic, loc)
            if flag in _EXPECT:
                msg = f"{_value_at(data, loc)!r} is not {_EXPECT[flag]}"
            problems.append(f"{flag}: {msg}")
        c.fail("; ".join(dict.fromkeys(problems)) + f" ({output} not written)")


def _value_at(data: dict, loc: str) -> object:
    node: object = data
    for key in loc.split("."):
        node = node.get(key) if isinstance(node, dict) else None
    return node


def register(app: typer.Typer) -> None:
    """Add ``claimkit init`` to the application."""
    app.command("init")(init)
