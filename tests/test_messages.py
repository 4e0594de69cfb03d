"""Issue 13, "Messages in a library's words": one test per message of that list.

Each test runs the CLI the way a user does and asserts that the library's wording is gone, that
the message says what was expected in the user's words (the CSV column or the YAML/JSON path as
written, an example), and that it is placed at the real file line and column (1-based, as
editors count; the oracle is a search of the file's own text). Positions in paths count from 1
everywhere (services[1] is the first service).
"""
from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from claimkit.cli.app import app

runner = CliRunner()
DEMO = Path(__file__).resolve().parents[1] / "fixtures" / "demo"
CONFIG = str(DEMO / "claimkit.toml")
LIBRARY = ("Input should be", "String should match pattern", "unable to parse string as an integer",
           "Value error,", "Extra inputs are not permitted", "Traceback", "[0]")


def position(text: str, needle: str, nth: int = 1) -> tuple[int, int]:
    """1-based (line, column) of the nth occurrence of ``needle`` in ``text``."""
    at = -1
    for _ in range(nth):
        at = text.index(needle, at + 1)
    return text.count("\n", 0, at) + 1, at - (text.rfind("\n", 0, at) + 1) + 1


@pytest.fixture
def record() -> dict:
    return json.loads((DEMO / "sessions.jsonl").read_text().splitlines()[0])


def csv_rows(n: int = 3) -> list[list[str]]:
    """The demo CSV's header and its first rows (one session of two services)."""
    return list(csv.reader(io.StringIO((DEMO / "sessions.csv").read_text())))[:n]


def write_csv(path: Path, rows: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue())
    return buf.getvalue()


def refused(args: list[str]) -> list[str]:
    """The CLI's error lines for unusable input (exit 2), checked free of library wording."""
    res = runner.invoke(app, args)
    assert res.exit_code == 2, res.output
    text = res.stderr
    for words in LIBRARY:
        assert words not in text, text
    lines = text.strip().splitlines()
    assert all(line.startswith("error: ") for line in lines), lines
    return lines


def build(path: Path) -> list[str]:
    return refused(["build", str(path), "-c", CONFIG])


def test_us_date_says_the_format_and_shows_the_value_where_it_is(tmp_path, record):
    """03/03/2025 was "Input should be a valid date or datetime, invalid character in year"."""
    path = tmp_path / "s.json"
    text = json.dumps([record | {"date_of_service": "03/03/2025"}], indent=2)
    path.write_text(text)
    line, col = position(text, '"date_of_service"')
    assert build(path) == [f"error: {path}: line {line}, column {col}: date_of_service: "
                           "expected a date as YYYY-MM-DD, got '03/03/2025'"]


def test_impossible_date_is_not_a_calendar_date(tmp_path, record):
    path = tmp_path / "s.yaml"
    text = yaml.safe_dump([record], sort_keys=False).replace("'2025-01-06'", "2025-02-30", 1)
    path.write_text(text)
    line, col = position(text, "date_of_service:")
    [msg] = build(path)
    assert msg.startswith(f"error: {path}: line {line}, column {col}: date_of_service: not a calendar date")
    assert "day is out of range" not in msg


def test_bad_zip_says_what_a_zip_code_is(tmp_path, record):
    """A bad ZIP was "String should match pattern '^\\d{5}(\\d{4})?$'"."""
    record["patient"]["address"]["zip"] = "6270"
    path = tmp_path / "s.yaml"
    text = yaml.safe_dump([record], sort_keys=False)
    path.write_text(text)
    line, col = position(text, "zip:")
    assert build(path) == [f"error: {path}: line {line}, column {col}: patient.address.zip: "
                           "expected a 5- or 9-digit ZIP code"]
    assert "6270" not in build(path)[0]  # an address is a person's data: not echoed


def test_minutes_with_a_unit_ask_for_a_whole_number(tmp_path, record):
    """30 min was "unable to parse string as an integer"."""
    record["services"][0]["minutes"] = "30 min"
    path = tmp_path / "s.jsonl"
    text = json.dumps(record) + "\n"
    path.write_text(text)
    line, col = position(text, '"minutes"')
    assert build(path) == [f"error: {path}: line {line}, column {col}: services[1].minutes: "
                           "expected a whole number of minutes, got '30 min'"]


def test_unquoted_yaml_zip_asks_for_quotes_with_an_example(tmp_path, record):
    """An unquoted YAML ZIP (a number to YAML) was "Input should be a valid string"."""
    path = tmp_path / "s.yaml"
    text = yaml.safe_dump([record], sort_keys=False).replace("zip: '62704'", "zip: 02134", 1)
    path.write_text(text)
    line, col = position(text, "zip:")
    assert build(path) == [f"error: {path}: line {line}, column {col}: patient.address.zip: expected text: "
                           'write the value in quotes, e.g. "02134" (a number loses leading zeros)']


def test_csv_input_errors_name_the_column_at_its_cell(tmp_path):
    """CSV errors named services[0].minutes instead of the column service_minutes."""
    rows = csv_rows()
    head = rows[0]
    rows[2][head.index("service_minutes")] = "30 min"
    path = tmp_path / "s.csv"
    text = write_csv(path, rows)
    line, col = position(text, "30 min")
    assert build(path) == [f"error: {path}: line {line}, column {col}: service_minutes: "
                           "expected a whole number of minutes, got '30 min'"]
    assert line == 3  # the second service's row


@pytest.fixture
def csv_with_findings(tmp_path) -> tuple[Path, str]:
    """A CSV session whose claim gets rule findings on a line field, a line modifier and a
    claim diagnosis (97161 is untimed with an MUE of 1; ZZ is no modifier; Q99.99 no code)."""
    rows = csv_rows()
    head = rows[0]
    rows[1][head.index("service_units")] = "9"
    rows[2][head.index("service_modifiers")] = "ZZ"
    for r in rows[1:]:
        r[head.index("diagnoses")] = "M54.50 Q99.99"
    path = tmp_path / "s.csv"
    return path, write_csv(path, rows)


def _cells(text: str, column: str) -> list[tuple[int, int]]:
    """(line, column) of every cell of ``column`` in a plain (unquoted) CSV text."""
    lines = text.splitlines()
    k = lines[0].split(",").index(column)
    return [(n, len(",".join(row.split(",")[:k])) + (1 if k else 0) + 1)
            for n, row in enumerate(lines, start=1)]


def test_csv_findings_name_the_column_and_its_cell_in_text_github_and_sarif(csv_with_findings):
    """Claim-rule findings on a CSV named the claim's field (units, modifiers, diagnoses[2])."""
    path, text = csv_with_findings
    res = runner.invoke(app, ["validate", str(path), "--config", CONFIG])
    assert res.exit_code == 1, res.output
    units, mods, dx = _cells(text, "service_units")[1], _cells(text, "service_modifiers")[2], \
        _cells(text, "diagnoses")[1]
    out = res.stdout
    assert f"{path}:{units[0]}:{units[1]} claim S0001 line 1 service_units: error CK-T006" in out
    assert f"{path}:{mods[0]}:{mods[1]} claim S0001 line 2 service_modifiers: warning CK-C008" in out
    assert f"{path}:{dx[0]}:{dx[1]} claim S0001 diagnoses: error CK-C002" in out
    assert not re.search(r" (units|modifiers|diagnoses\[\d\]): ", out), out
    gh = runner.invoke(app, ["validate", str(path), "--config", CONFIG, "-f", "github"]).stdout
    assert f"::error file={path},line={units[0]},col={units[1]},title=CK-T006" in gh
    sarif = json.loads(runner.invoke(app, ["validate", str(path), "--config", CONFIG, "-f", "sarif"]).stdout)
    regions = {r["ruleId"]: r["locations"][0]["physicalLocation"]["region"] for r in sarif["runs"][0]["results"]}
    assert (regions["CK-C008"]["startLine"], regions["CK-C008"]["startColumn"]) == mods


def test_units_computed_from_minutes_point_at_the_minutes_cell(tmp_path):
    """A CSV without service_units: a units finding is about the minutes the user wrote."""
    rows = csv_rows()
    head = rows[0]
    keep = [i for i, h in enumerate(head) if h != "service_units"]
    rows = [[r[i] for i in keep] for r in rows]
    rows[2][rows[0].index("service_code")] = "97110"
    rows[2][rows[0].index("service_minutes")] = "120"  # 8 units of 97110: over its MUE of 6
    path = tmp_path / "s.csv"
    text = write_csv(path, rows)
    res = runner.invoke(app, ["validate", str(path), "--config", CONFIG, "-f", "json"])
    found = [f for f in json.loads(res.stdout)["findings"] if f["rule"] == "CK-T006"]
    assert found, res.stdout
    loc = found[0]["location"]
    assert loc["field"] == "service_minutes"
    assert (loc["row"], loc["column"]) == _cells(text, "service_minutes")[2]


def test_one_index_base_in_every_message(tmp_path, record):
    """Services counted from 0 and diagnoses from 1 in one message set: now both from 1."""
    record["services"][0]["minutes"] = -1
    record["services"][1]["diagnoses"] = [3]  # a position in the session's two diagnoses
    path = tmp_path / "s.json"
    path.write_text(json.dumps([record], indent=2))
    [msg] = build(path)
    assert "services[1].minutes: expected at least 0, got -1" in msg
    record["services"][0]["minutes"] = 30
    path.write_text(json.dumps([record], indent=2))
    [msg] = build(path)
    assert "services[2].diagnoses: position 3 is outside the session's 2 diagnoses" in msg


def test_misspelled_column_gets_did_you_mean_at_its_header_cell(tmp_path):
    rows = csv_rows()
    rows[0][rows[0].index("service_minutes")] = "service_minuts"
    path = tmp_path / "s.csv"
    text = write_csv(path, rows)
    line, col = position(text, "service_minuts")
    assert build(path) == [f"error: {path}: line {line}, column {col}: unknown column 'service_minuts' "
                           "(did you mean 'service_minutes'?)"]


def test_misspelled_key_gets_did_you_mean_at_the_key(tmp_path, record):
    record["patient"]["adress"] = record["patient"].pop("address")
    path = tmp_path / "s.yaml"
    text = yaml.safe_dump([record], sort_keys=False)
    path.write_text(text)
    line, col = position(text, "adress:")
    assert f"error: {path}: line {line}, column {col}: patient.adress: unknown field (did you mean 'address'?)" \
        in build(path)


def test_every_input_error_of_a_file_is_reported(tmp_path, record):
    """Only the first input error used to be reported."""
    r2 = json.loads(json.dumps(record)) | {"session_id": "S2", "date_of_service": "03/03/2025"}
    r2["patient"]["address"]["zip"] = "6270"
    path = tmp_path / "s.jsonl"
    text = json.dumps(record | {"payr": "medicare"}) + "\n" + json.dumps(r2) + "\n"
    path.write_text(text)
    lines = build(path)
    assert [ln.split(": ", 3)[2] for ln in lines] == [
        "line 1, column {}".format(position(text, '"payr"')[1]),
        "line 2, column {}".format(position(text, '"date_of_service"', 2)[1]),
        "line 2, column {}".format(position(text, '"zip"', 2)[1])]


def test_config_error_names_the_key(tmp_path):
    """`ignor=` in [validate] was "[validate]: Extra inputs are not permitted"."""
    cfg = tmp_path / "claimkit.toml"
    cfg.write_text((DEMO / "claimkit.toml").read_text() + '\n[validate]\nignor = ["CK-T001"]\n')
    assert refused(["build", str(DEMO / "sessions.jsonl"), "-c", str(cfg)]) == [
        f"error: {cfg}: validate.ignor: unknown field (did you mean 'ignore'?)"]


@pytest.mark.parametrize("command", ["build", "validate"])
def test_output_into_a_missing_directory_names_the_directory_not_a_temp_file(tmp_path, command):
    out = tmp_path / "nodir" / "out.x12"
    flag = "-c" if command == "build" else "--config"
    [msg] = refused([command, str(DEMO / "sessions.jsonl"), flag, CONFIG, "-o", str(out)])
    assert msg == f"error: --output {out}: the directory {out.parent} does not exist"
    assert ".tmp" not in msg and "claimkit-" not in msg
    assert not out.parent.exists()


def test_counts_agree_with_their_noun(tmp_path, csv_with_findings):
    """"1 units" read as a bug: one unit, two units."""
    path, _ = csv_with_findings
    res = runner.invoke(app, ["validate", str(path), "--config", CONFIG])
    assert "bill at most 1 unit\n" in res.stdout and "97161 bills 9 units" in res.stdout
    assert not re.search(r"\b1 units\b", res.stdout)
    from claimkit.messages import plural

    assert [plural(n, "unit") for n in (0, 1, 2)] == ["0 units", "1 unit", "2 units"]
    assert plural(1, "diagnosis", "diagnoses") == "1 diagnosis"


def test_one_patient_with_two_birth_dates_is_refused_naming_both_cells(tmp_path):
    """Conflicting input was merged silently (the claim kept one birth date)."""
    rows = csv_rows()
    head = rows[0]
    rows[2][head.index("session_id")] = "S0009"
    rows[2][head.index("patient_birth_date")] = "1952-04-12"
    path = tmp_path / "s.csv"
    text = write_csv(path, rows)
    cells = _cells(text, "patient_birth_date")
    assert build(path) == [
        f"error: {path}: line 3, column {cells[2][1]}: patient_birth_date: differs from the birth date at "
        f"line 2, column {cells[1][1]} for the same patient_id; one patient has one birth date: correct the "
        "wrong one, or give each person their own patient_id"]
    assert "1952" not in text.splitlines()[0] and "1951-04-12" not in build(path)[0]


def test_a_duplicated_csv_column_names_both_places(tmp_path):
    """A duplicated CSV column used to count the last cell silently."""
    rows = csv_rows()
    rows = [r + [r[rows[0].index("service_minutes")]] for r in rows]
    path = tmp_path / "s.csv"
    text = write_csv(path, rows)
    first, second = position(text, "service_minutes"), position(text, "service_minutes", 2)
    assert build(path) == [f"error: {path}: line 1, column {second[1]}: column 'service_minutes' appears "
                           f"more than once (also at column {first[1]}); keep one: which cell counts "
                           "would be a guess"]


@pytest.mark.parametrize("suffix", [".jsonl", ".json"])
def test_one_patient_with_two_birth_dates_in_two_files_is_refused(tmp_path, suffix):
    """The check once ran per file only, and not at all on the streamed JSON Lines build: a
    patient whose sessions sit in two files with two birth dates was merged silently."""
    first = json.loads((DEMO / "sessions.jsonl").read_text().splitlines()[0])
    second = json.loads(json.dumps(first))
    second["session_id"], second["date_of_service"] = "S9001", "2025-01-07"
    second["patient"]["birth_date"] = "1952-04-12"
    a, b = tmp_path / f"a{suffix}", tmp_path / f"b{suffix}"
    for path, rec in ((a, first), (b, second)):
        path.write_text(json.dumps(rec) + "\n" if suffix == ".jsonl" else json.dumps([rec], indent=2) + "\n")
    lines = refused(["build", str(a), str(b), "-c", CONFIG, "-o", str(tmp_path / "out.x12")])
    assert len(lines) == 1 and lines[0].startswith(f"error: {b}: line "), lines
    assert f"differs from the birth date at {a} line" in lines[0] and "for the same patient.id" in lines[0]
    assert "1952" not in lines[0] and "1951" not in lines[0]
    assert not (tmp_path / "out.x12").exists()
