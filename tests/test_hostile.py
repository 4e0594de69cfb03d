"""Hostile input never gives a traceback, a wrong exit 0, a half-written file or PHI in a message.

The corpus is tests/hostile/ (regenerate with tools/make_hostile.py); big inputs are made here.
Each case runs `claimkit build FILE -o OUT` and `claimkit validate FILE -o OUT` (demo practice)
and must exit 2 with a one-line message, quickly, leaving no output and the input unchanged.
"""
from __future__ import annotations

import hashlib
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from claimkit.cli.app import app

HOSTILE = Path(__file__).resolve().parent / "hostile"
META = json.loads((HOSTILE / "expect.json").read_text())
CASES = sorted(p.name for p in HOSTILE.iterdir()
               if p.is_file() and p.name not in ("expect.json", "README.md"))  # x12/: test_hostile_formats.py
# Values that are people's data in particular cases (beyond the markers in every case).
FORBIDDEN = {
    "xml-bad-birth-date.xml": ["1970-02-30"],
    "yaml-impossible-birth-date.yaml": ["1970-02-30"],
    "csv-impossible-birth-date.csv": ["1970-02-30"],
}
TIME_LIMIT = 20.0
runner = CliRunner()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run(command: str, src: Path, tmp_path: Path, config: Path, *extra: str):
    out = tmp_path / "out" / "result"
    out.parent.mkdir(exist_ok=True)
    flag = "-c" if command == "build" else "--config"
    before = _digest(src)
    start = time.monotonic()
    res = runner.invoke(app, [command, str(src), flag, str(config), "-o", str(out), *extra])
    elapsed = time.monotonic() - start
    assert _digest(src) == before, "the input was changed"
    assert list(out.parent.iterdir()) == [], "an output file was written"
    assert elapsed < TIME_LIMIT, f"took {elapsed:.1f} s"
    return res


def assert_clean_refusal(res, name: str) -> str:
    crashed = res.exception if not isinstance(res.exception, (SystemExit, type(None))) else None
    assert crashed is None, f"{type(crashed).__name__}: {crashed}"
    message = (res.stderr + res.stdout).strip()
    assert res.exit_code == 2, message
    assert "Traceback" not in message
    assert len(message.splitlines()) == 1, message
    assert message.startswith("error: ") and name in message, message
    for value in META["phi"] + FORBIDDEN.get(name, []):
        assert value not in message, f"PHI {value!r} in: {message}"
    return message


@pytest.mark.parametrize("command", ["build", "validate"])
@pytest.mark.parametrize("name", CASES)
def test_hostile_file_is_refused_cleanly(tmp_path, demo_dir, name, command):
    src = tmp_path / name
    src.write_bytes((HOSTILE / name).read_bytes())
    res = run(command, src, tmp_path, demo_dir / "claimkit.toml")
    message = assert_clean_refusal(res, name)
    want = META["expect"].get(name)
    if want:
        assert want in message, message


def test_corpus_is_current():
    """tests/hostile/ is what tools/make_hostile.py writes (the text cases; XML needs a build)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_hostile", HOSTILE.parent.parent / "tools" / "make_hostile.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    for name, text in mod.CASES.items():
        assert (HOSTILE / name).read_bytes().decode("utf-8") == text, name
    for name, text in mod.x12_cases().items():
        assert (HOSTILE / "x12" / name).read_bytes().decode("utf-8") == text, name
    assert sorted(p.name for p in (HOSTILE / "x12").iterdir()) == sorted(mod.X12_EXPECT)
    assert META["expect"] == mod.EXPECT and META["x12"] == mod.X12_EXPECT


# --- big inputs, made at test time -----------------------------------------------------------
def test_file_over_the_size_limit_is_refused_before_reading(tmp_path, demo_dir):
    from claimkit.limits import MAX_FILE_BYTES

    src = tmp_path / "huge.jsonl"
    with open(src, "wb") as fh:  # sparse: no disk, no time
        fh.write(b'{"session_id": "ZZPATLAST"}\n')
        fh.truncate(MAX_FILE_BYTES + 1)
    for command in ("build", "validate"):
        message = assert_clean_refusal(run(command, src, tmp_path, demo_dir / "claimkit.toml"), "huge.jsonl")
        assert "200 MB limit" in message


def test_deep_block_yaml(tmp_path, demo_dir):
    src = tmp_path / "deep-block.yaml"
    src.write_text("".join("  " * i + f"k{i}:\n" for i in range(2000)) + "  " * 2000 + "x\n")
    for command in ("build", "validate"):
        assert "nested" in assert_clean_refusal(run(command, src, tmp_path, demo_dir / "claimkit.toml"),
                                                "deep-block.yaml")


def test_many_short_aliases_are_fine_but_a_bomb_is_not(tmp_path, demo_dir):
    """Anchors that repeat a block are legitimate; expansion is bounded, not forbidden."""
    from claimkit.limits import load_yaml

    ok = "base: &b {city: X, state: IL}\nitems:\n" + "".join("  - *b\n" for _ in range(1000))
    data, _ = load_yaml(ok, file="ok.yaml")
    assert len(data["items"]) == 1000
    cyclic = tmp_path / "cycle.yaml"
    cyclic.write_text("a: &a [1, *a]\n")
    message = assert_clean_refusal(run("build", cyclic, tmp_path, demo_dir / "claimkit.toml"), "cycle.yaml")
    assert "alias" in message


@pytest.mark.parametrize("name", ["yaml-billion-laughs.yaml", "xml-billion-laughs.xml",
                                  "json-deep-file.json", "yaml-deep-flow.yaml"])
def test_bombs_in_a_real_process_with_bounded_memory(tmp_path, demo_dir, name):
    """The console script, under a 1 GB address-space limit and a time limit."""
    src = tmp_path / name
    src.write_bytes((HOSTILE / name).read_bytes())
    exe = Path(sys.executable).with_name("claimkit")

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (2**30, 2**30))

    for args in (["build", str(src), "-c", str(demo_dir / "claimkit.toml"), "-o", str(tmp_path / "o")],
                 ["validate", str(src), "--config", str(demo_dir / "claimkit.toml")]):
        proc = subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=TIME_LIMIT,
                              preexec_fn=limit if os.name == "posix" else None)
        assert proc.returncode == 2, proc.stderr
        assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


# --- claims JSON / JSON Lines given to validate (read by claimkit.validation.inputs) -----------
_CLAIM = {"claim_id": "ZZPATLAST-1", "payer": {"name": "P", "payer_id": "P1"}, "lines": [],
          "note": "VALUE"}


def _claims_case(kind: str) -> str:
    deep = "[" * DEEP_CLAIMS + "]" * DEEP_CLAIMS
    shallow_deep = "[" * 200 + "]" * 200  # under Python's recursion limit, over claimkit's
    big = "9" * 5000
    one = json.dumps(_CLAIM)
    value = {"deep": deep, "deep200": shallow_deep, "bignum": big}[kind.split("-")[1]]
    bad = one.replace('"VALUE"', value)
    if kind.startswith("jsonl"):
        return one.replace('"VALUE"', "1") + "\n" + bad + "\n"
    return '{"claims": [\n' + one.replace('"VALUE"', "1") + ",\n" + bad + "\n]}\n"


DEEP_CLAIMS = 5000


@pytest.mark.parametrize("kind,want", [
    ("json-deep", ["nested", "line 3"]),
    ("json-deep200", ["nested", "line 3"]),
    ("json-bignum", ["digits", "line 3", "note"]),
    ("jsonl-deep", ["nested", "line 2"]),
    ("jsonl-deep200", ["nested", "line 2"]),
    ("jsonl-bignum", ["digits", "line 2", "note"]),
])
def test_hostile_claims_json_is_refused_cleanly_by_validate(tmp_path, demo_dir, kind, want):
    """Claims JSON and JSONL (detected by content) are parsed with the same bounds as session
    files: the message names the file, the line and (for a number) the field."""
    name = f"claims-{kind}.{kind.split('-')[0]}"
    src = tmp_path / name
    src.write_text(_claims_case(kind))
    res = run("validate", src, tmp_path, demo_dir / "claimkit.toml")
    message = assert_clean_refusal(res, name)
    for text in want:
        assert text in message, message
    assert "4300" not in message and "set_int_max_str_digits" not in message


# --- configuration ------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["a = " + "[" * 5000 + "]" * 5000, "a = " + "9" * 5000, "a = 2025-02-30"],
                         ids=["deep", "bignum", "bad-date"])
def test_hostile_config_build(tmp_path, demo_dir, text):
    cfg = tmp_path / "claimkit.toml"
    cfg.write_text(text + "\n")
    res = run("build", demo_dir / "sessions.jsonl", tmp_path, cfg)
    assert "claimkit.toml" in assert_clean_refusal(res, "claimkit.toml")


def test_hostile_config_validate(tmp_path, demo_dir):
    cfg = tmp_path / "claimkit.toml"
    cfg.write_text("a = " + "9" * 5000 + "\n")
    assert_clean_refusal(run("validate", demo_dir / "sessions.jsonl", tmp_path, cfg), "claimkit.toml")


# --- property: random input never crashes ---------------------------------------------------
_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids, max_size=4),
    max_leaves=20)


def _demo_record(demo_dir: Path) -> dict:
    return json.loads((demo_dir / "sessions.jsonl").read_text().splitlines()[0])


def _mutate(record: dict, path: list, value) -> dict:
    node = record
    for key in path[:-1]:
        if isinstance(node, dict) and node:
            node = node[sorted(node)[key % len(node)]]
        elif isinstance(node, list) and node:
            node = node[key % len(node)]
    if isinstance(node, dict) and node:
        node[sorted(node)[path[-1] % len(node)]] = value
    return record


def _check_no_crash(res) -> None:
    crashed = res.exception if not isinstance(res.exception, (SystemExit, type(None))) else None
    assert crashed is None, f"{type(crashed).__name__}: {crashed}"
    assert res.exit_code in (0, 1, 2) and "Traceback" not in res.stderr


def _run_both(tmp_path: Path, src: Path, config: Path) -> None:
    for command, flag in (("build", "-c"), ("validate", "--config")):
        _check_no_crash(runner.invoke(app, [command, str(src), flag, str(config), "-o", str(tmp_path / "o")]))
        (tmp_path / "o").unlink(missing_ok=True)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=300), suffix=st.sampled_from([".csv", ".json", ".jsonl", ".yaml", ".txt"]))
def test_random_bytes_never_crash_the_cli(tmp_path, demo_dir, data, suffix):
    src = tmp_path / f"in{suffix}"
    src.write_bytes(data)
    _run_both(tmp_path, src, demo_dir / "claimkit.toml")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.lists(st.integers(0, 50), min_size=1, max_size=4), value=_json_values,
       fmt=st.sampled_from(["json", "yaml", "csv"]))
def test_mutated_records_never_crash_the_cli(tmp_path, demo_dir, path, value, fmt):
    import csv
    import io

    import yaml

    rec = _mutate(_demo_record(demo_dir), path, value)
    src = tmp_path / f"in.{fmt}"
    if fmt == "json":
        src.write_text(json.dumps([rec]))
    elif fmt == "yaml":
        src.write_text(yaml.safe_dump([rec]))
    else:
        rows = list(csv.reader(io.StringIO((demo_dir / "sessions.csv").read_text())))[:3]
        col = path[0] % len(rows[0])
        rows[1][col] = json.dumps(value) if not isinstance(value, str) else value
        buf = io.StringIO()
        csv.writer(buf).writerows(rows)
        src.write_text(buf.getvalue())
    _run_both(tmp_path, src, demo_dir / "claimkit.toml")
