"""Session loaders: every format, clear errors, and never anything but InputError on bad bytes."""
from __future__ import annotations

import json
import re

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claimkit.errors import InputError
from claimkit.loaders import load_sessions


@pytest.fixture(scope="module")
def demo_records(demo_dir):
    return [json.loads(line) for line in (demo_dir / "sessions.jsonl").read_text().splitlines()]


def test_yaml_json_jsonl_csv_agree(tmp_path, demo_dir, demo_records):
    (tmp_path / "s.yaml").write_text(yaml.safe_dump({"sessions": demo_records}))
    (tmp_path / "s.json").write_text(json.dumps(demo_records))
    forms = [load_sessions(tmp_path / "s.yaml"), load_sessions(tmp_path / "s.json"),
             load_sessions(demo_dir / "sessions.jsonl"), load_sessions(demo_dir / "sessions.csv")]
    dumps = [[rec.model_dump() for rec, _ in f] for f in forms]
    assert all(d == dumps[0] for d in dumps) and len(dumps[0]) == 40


def test_csv_rows_are_tracked_per_service(demo_dir):
    loaded = load_sessions(demo_dir / "sessions.csv")
    rec, origin = loaded[1]
    assert origin.kind == "line" and origin.service_rows == (4, 5)  # header is line 1


def test_dotted_and_plain_icd_are_the_same(tmp_path, demo_records):
    a = dict(demo_records[0], diagnoses=["M54.50", "M62.81"])
    b = dict(demo_records[0], diagnoses=["M5450", "m6281"])
    (tmp_path / "a.json").write_text(json.dumps([a]))
    (tmp_path / "b.json").write_text(json.dumps([b]))
    assert load_sessions(tmp_path / "a.json")[0][0].diagnoses == load_sessions(tmp_path / "b.json")[0][0].diagnoses


@pytest.mark.parametrize("mutate,needle", [
    (lambda r: r.update(date_of_service="2025-13-01"), "date_of_service"),
    (lambda r: r["services"][0].update(minutes=-1), "services[1].minutes: expected at least 0, got -1"),
    (lambda r: r["services"][0].pop("minutes"), "give minutes or units"),
    (lambda r: r.update(diagnoses=["M54.5.0"]), "not an ICD-10-CM code"),
    (lambda r: r["patient"].update(relationship="child"), "give the subscriber"),
    (lambda r: r["patient"]["address"].update(zip="627"), "patient.address.zip: expected a 5- or 9-digit ZIP code"),
    (lambda r: r.update(extra="x"), "extra: unknown field"),
    (lambda r: r["services"][0].update(minutes=True), "not true/false"),
    (lambda r: r.update(diagnoses="M54.50"), "diagnoses: expected a list"),
    (lambda r: r["patient"].update(last_name="MÜLLER"), "patient.last_name: contains a character outside"),
    (lambda r: r["patient"]["address"].update(line1="1 A*B ST"), "patient.address.line1: contains the X12 separator"),
])
def test_bad_records_name_the_record_and_field(tmp_path, demo_records, mutate, needle):
    recs = json.loads(json.dumps(demo_records[:3]))
    mutate(recs[2])
    path = tmp_path / "bad.json"
    text = json.dumps(recs, indent=2)
    path.write_text(text)
    with pytest.raises(InputError) as exc:
        load_sessions(path)
    assert "bad.json" in str(exc.value) and needle in str(exc.value)
    # The real file line and column (1-based) of the value, inside record 3, not "record 3".
    m = re.search(r"line (\d+), column (\d+)", str(exc.value))
    assert m, str(exc.value)
    line, col = int(m.group(1)), int(m.group(2))
    record_starts = [n for n, ln in enumerate(text.splitlines(), start=1) if ln == "  {"]
    assert line >= record_starts[2]
    assert text.splitlines()[line - 1][col - 1] in '"{['  # a key, or the object/list itself
    p = recs[2]["patient"]  # no name, birth date, street or member ID is echoed
    for value in (p["last_name"], p["first_name"], str(p["birth_date"]), p["address"]["line1"],
                  str(p.get("member_id"))):
        assert value not in str(exc.value)


def test_duplicate_session_id_and_inconsistent_csv_row(tmp_path, demo_records, demo_dir):
    # Repeated IDs are the builder's findings (CK-U008/CK-U009, tests/test_build_grouping.py),
    # which name both places; the loader reads every record.
    path = tmp_path / "dup.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in [demo_records[0], demo_records[0]]))
    assert [o.row for _, o in load_sessions(path)] == [1, 2]
    lines = (demo_dir / "sessions.csv").read_text().splitlines()
    sid = lines[1].split(",")[0]
    assert lines[2].split(",")[0] == sid  # rows 2 and 3: one session
    lines[2] = lines[2].replace("HALVORSEN", "HALVERSON")
    (tmp_path / "x.csv").write_text("\n".join(lines))
    got = [(r.session_id, o.row) for r, o in load_sessions(tmp_path / "x.csv") if r.session_id == sid]
    assert got == [(sid, 2), (sid, 3)]  # the differing row is a session of its own


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400), suffix=st.sampled_from([".csv", ".json", ".jsonl", ".yaml", ".txt"]))
def test_random_bytes_only_raise_input_error(tmp_path, data, suffix):
    path = tmp_path / f"f{suffix}"
    path.write_bytes(data)
    try:
        load_sessions(path)
    except InputError:
        pass


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(0, 5000), suffix=st.sampled_from(["sessions.csv", "sessions.jsonl"]))
def test_truncated_demo_files_only_raise_input_error(tmp_path, demo_dir, cut, suffix):
    text = (demo_dir / suffix).read_text()
    path = tmp_path / suffix
    path.write_text(text[:cut])
    try:
        load_sessions(path)
    except InputError:
        pass
