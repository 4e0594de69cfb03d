"""`claimkit init`: a starter claimkit.toml that the configuration loader accepts."""
from __future__ import annotations

import re
import shlex

import pytest
from typer.testing import CliRunner

from claimkit.cli.app import app
from claimkit.config import load_practice

runner = CliRunner()

FLAGS = ["--practice-name", "RIVERBEND PT", "--npi", "1234567893", "--ein", "37-1234567",
         "--street", "100 RIVER ROAD", "--city", "SPRINGFIELD", "--state", "il", "--zip", "62701-1234",
         "--provider-last-name", "Rivera", "--provider-first-name", "Maria",
         "--provider-npi", "1679576722", "--payer-name", "Lakeshore Health Plan",
         "--payer-id", "LKSH01", "--unit-rule", "ama"]


def init(tmp_path, *args: str, **kw):
    return runner.invoke(app, ["init", "-o", str(tmp_path / "claimkit.toml"), *args], **kw)


def test_no_input_writes_a_file_the_loader_accepts(tmp_path):
    res = init(tmp_path, "--no-input", *FLAGS)
    assert res.exit_code == 0, res.stderr
    p = load_practice(tmp_path / "claimkit.toml")
    bp = p.billing_provider
    assert (bp.name, bp.npi, bp.ein, bp.taxonomy) == ("RIVERBEND PT", "1234567893", "371234567", "225100000X")
    assert (bp.address.state, bp.address.zip) == ("IL", "627011234")
    assert list(p.providers) == ["rivera"] and p.providers["rivera"].npi == "1679576722"
    (payer,) = p.payers.values()
    assert (payer.name, payer.payer_id, payer.unit_rule) == ("Lakeshore Health Plan", "LKSH01", "ama")
    assert p.envelope.usage_indicator == "T" and p.receiver.id == "LKSH01"


def test_defaults_fill_the_rest(tmp_path):
    flags = FLAGS[:FLAGS.index("--provider-first-name")] + ["--payer-name", "ACME", "--payer-id", "AC1"]
    assert init(tmp_path, "--no-input", *flags).exit_code == 0
    p = load_practice(tmp_path / "claimkit.toml")
    prov = p.providers["rivera"]
    assert (prov.npi, prov.taxonomy, prov.first_name) == ("1234567893", "225100000X", None)
    assert p.payers["acme"].unit_rule == "cms" and p.submitter.id == "371234567"


def test_never_overwrites_without_force(tmp_path):
    target = tmp_path / "claimkit.toml"
    target.write_text("# mine\n")
    res = init(tmp_path, "--no-input", *FLAGS)
    assert res.exit_code == 2 and "already exists" in res.stderr and "--force" in res.stderr
    assert target.read_text() == "# mine\n"
    assert init(tmp_path, "--no-input", "--force", *FLAGS).exit_code == 0
    load_practice(target)


@pytest.mark.parametrize("flag, value", [("--npi", "1234567890"), ("--provider-npi", "1679576723"),
                                         ("--npi", "12345")])
def test_refuses_an_invalid_npi(tmp_path, flag, value):
    args = list(FLAGS)
    args[args.index(flag) + 1] = value
    res = init(tmp_path, "--no-input", *args)
    assert res.exit_code == 2 and not (tmp_path / "claimkit.toml").exists()
    assert res.stderr == (f"error: {flag}: {value!r} is not a valid NPI (10 digits whose last digit "
                          "is the Luhn check digit over the prefix 80840)\n")


def test_bad_values_name_their_flag_and_nothing_is_written(tmp_path):
    args = list(FLAGS)
    args[args.index("--ein") + 1] = "37-12345"
    args[args.index("--zip") + 1] = "627"
    res = init(tmp_path, "--no-input", *args)
    assert res.exit_code == 2 and not (tmp_path / "claimkit.toml").exists()
    assert res.stderr.startswith("error: --ein: ") and "--zip: " in res.stderr, res.stderr
    assert len(res.stderr.splitlines()) == 1


def test_missing_value_with_no_input(tmp_path):
    res = init(tmp_path, "--no-input", "--npi", "1234567893")
    assert res.exit_code == 2 and res.stderr == "error: --practice-name is required with --no-input\n"


def test_quotes_and_backslashes_survive(tmp_path):
    args = list(FLAGS)
    args[args.index("--practice-name") + 1] = 'O\'HARA "PT" \\ REHAB'
    assert init(tmp_path, "--no-input", *args).exit_code == 0
    assert load_practice(tmp_path / "claimkit.toml").billing_provider.name == 'O\'HARA "PT" \\ REHAB'


def test_prompts_for_what_the_flags_leave_out_and_asks_again_for_a_bad_npi(tmp_path):
    answers = ["Riverbend PT", "1234567890", "1234567893", "37-1234567", "", "100 River Road",
               "Springfield", "IL", "62701", "Rivera", "Maria", "", "", "Lakeshore", "LKSH01", "ama",
               "", "", ""]
    res = init(tmp_path, input="\n".join(answers) + "\n")
    assert res.exit_code == 0, (res.stdout, res.stderr)
    assert "'1234567890' is not a valid NPI" in res.stderr
    p = load_practice(tmp_path / "claimkit.toml")
    assert p.billing_provider.npi == "1234567893" and p.payers["lakeshore"].unit_rule == "ama"


def test_readme_init_example_runs(repo, tmp_path, monkeypatch):
    """The README's `claimkit init` example writes a configuration the loader accepts."""
    text = (repo / "README.md").read_text()
    section = text.split("## Starting a practice: `claimkit init`")[1].split("\n## ")[0]
    (block,) = re.findall(r"```bash\n(.*?)```", section, flags=re.S)
    command = shlex.split(block.replace("\\\n", " "), comments=True)
    assert command[:2] == ["claimkit", "init"]
    monkeypatch.chdir(tmp_path)
    res = runner.invoke(app, command[1:])
    assert res.exit_code == 0, res.stderr
    load_practice(tmp_path / "claimkit.toml")
    assert "claimkit build" in res.stderr
