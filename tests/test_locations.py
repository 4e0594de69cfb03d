"""Locations people can click: the real file line and column (1-based) of a session field in
text, GitHub and SARIF reports; every input problem of a file in one run, in the user's words,
with "did you mean" for unknown columns and keys (issue 13, deliverable 3)."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from claimkit.cli.app import app
from claimkit.errors import InputError, InputProblems
from claimkit.loaders import MAX_PROBLEMS, load_sessions
from claimkit.report import renderer

runner = CliRunner()
TODAY = date(2025, 2, 1)


@pytest.fixture
def record(demo_dir) -> dict:
    return json.loads((demo_dir / "sessions.jsonl").read_text().splitlines()[0])


def _position(text: str, needle: str, nth: int = 1) -> tuple[int, int]:
    """1-based (line, column) of the nth occurrence of needle: the oracle the reports must hit."""
    at = -1
    for _ in range(nth):
        at = text.index(needle, at + 1)
    line = text.count("\n", 0, at) + 1
    return line, at - (text.rfind("\n", 0, at) + 1) + 1


def _validate(path: Path, registry, demo_dir):
    from claimkit.config import load_practice
    from claimkit.validation import validate_paths

    return validate_paths([path], practice=load_practice(demo_dir / "claimkit.toml"),
                          registry=registry, today=TODAY, unusable="report")


@pytest.fixture
def yaml_with_finding(tmp_path, record) -> Path:
    record["services"][1]["modifiers"] = ["ZZ"]  # CK-C008: an unknown modifier (a warning)
    path = tmp_path / "s.yaml"
    other = json.loads(json.dumps(record | {"session_id": "S9", "date_of_service": "2025-01-08"}))
    path.write_text(yaml.safe_dump({"sessions": [record, other]}, sort_keys=False))
    return path


def test_yaml_finding_has_the_line_and_column_in_every_format(yaml_with_finding, registry, demo_dir):
    text = yaml_with_finding.read_text()
    res = _validate(yaml_with_finding, registry, demo_dir)
    found = [d for d in res.diagnostics if d.rule == "CK-C008"]
    assert len(found) == 2
    for d, nth in zip(found, (1, 2)):
        line, col = _position(text, "modifiers:", nth)
        assert (d.location.row, d.location.column) == (line, col) and line > 20
    first = found[0].location
    assert f"s.yaml:{first.row}:{first.column} " in renderer("text")(res)
    github = renderer("github")(res)
    assert f"line={first.row},col={first.column},title=CK-C008" in github
    sarif = json.loads(renderer("sarif")(res))
    regions = [r["locations"][0]["physicalLocation"]["region"] for r in sarif["runs"][0]["results"]
               if r["ruleId"] == "CK-C008"]
    assert regions[0] == {"startLine": first.row, "startColumn": first.column}
    # and the report with columns is still valid SARIF (the OASIS schema, copied in tests/data)
    import jsonschema

    schema = json.loads((Path(__file__).parent / "data" / "ci" / "sarif-schema-2.1.0.json").read_text())
    errors = list(jsonschema.validators.validator_for(schema)(schema).iter_errors(sarif))
    assert not errors, errors[:3]


def test_json_finding_points_at_the_field(tmp_path, record, registry, demo_dir):
    record["services"][1]["modifiers"] = ["ZZ"]
    path = tmp_path / "s.json"
    text = json.dumps([record, record | {"session_id": "S9", "date_of_service": "2025-01-08"}], indent=2)
    path.write_text(text)
    res = _validate(path, registry, demo_dir)
    rows = [(d.location.row, d.location.column) for d in res.diagnostics if d.rule == "CK-C008"]
    assert rows == [_position(text, '"modifiers"', 1), _position(text, '"modifiers"', 2)]


def test_jsonl_finding_is_on_the_record_line(tmp_path, record, registry, demo_dir):
    record["services"][1]["modifiers"] = ["ZZ"]
    path = tmp_path / "s.jsonl"
    other = record | {"session_id": "S9", "date_of_service": "2025-01-08"}
    text = json.dumps(other) + "\n\n" + json.dumps(record) + "\n"
    path.write_text(text)
    res = _validate(path, registry, demo_dir)
    locs = [d.location for d in res.diagnostics if d.rule == "CK-C008"]
    assert [(loc.row, loc.column) for loc in locs] == [_position(text, '"modifiers"', 1),
                                                       _position(text, '"modifiers"', 2)]
    assert locs[1].row == 3  # the blank line counts


CSV_HEADER = ("session_id,date_of_service,payer,rendering_provider,diagnoses,patient_id,"
              "patient_last_name,patient_first_name,patient_birth_date,patient_sex,"
              "patient_address_line1,patient_city,patient_state,patient_zip,service_code,"
              "service_minutes,patient_member_id\n")
CSV_ROW = ('{sid},{dos},medicare,rivera,M54.50,P1,DOE,JANE,1960-01-02,F,'
           '"{street}",SPRINGFIELD,IL,62704,97110,{minutes},1EG4TE5MK72\n')


def test_csv_errors_name_the_physical_line_and_the_column(tmp_path):
    # A quoted street over two lines (refused: X12 cannot carry a line break): the next row
    # starts on line 4, not "row 3".
    text = (CSV_HEADER
            + CSV_ROW.format(sid="A", dos="2025-01-06", street="12 ELM\nAPT 3", minutes=30)
            + CSV_ROW.format(sid="B", dos="03/03/2025", street="1 OAK", minutes="30 min"))
    path = tmp_path / "s.csv"
    path.write_text(text)
    with pytest.raises(InputProblems) as exc:
        load_sessions(path)
    lines = str(exc.value).splitlines()
    # the character column where the cell starts (a quoted cell: its opening quote)
    street, dos, minutes = (_position(text, s) for s in ('"12 ELM', "03/03/2025", "30 min"))
    assert street[0] == 2 and dos[0] == minutes[0] == 4
    assert lines == [
        f"{path}: line 2, column {street[1]}: patient_address_line1: contains a character outside "
        "the X12 character set '\\n'; correct the value (an 837P cannot carry it)",
        f"{path}: line 4, column {dos[1]}: date_of_service: expected a date as YYYY-MM-DD, got '03/03/2025'",
        f"{path}: line 4, column {minutes[1]}: service_minutes: expected a whole number of minutes, "
        "got '30 min'",
    ]


def test_every_problem_of_a_file_in_one_run(tmp_path, record):
    bad = []
    for i in range(3):
        r = json.loads(json.dumps(record))
        r["session_id"] = f"S{i}"
        r["services"][0]["minutes"] = "half an hour"
        r["patient"]["address"]["zip"] = "6270"
        bad.append(r)
    path = tmp_path / "s.json"
    text = json.dumps(bad, indent=1)
    path.write_text(text)
    with pytest.raises(InputProblems) as exc:
        load_sessions(path)
    problems = exc.value.problems
    assert len(problems) == 6
    zips = [p for p in problems if "zip" in p.detail]
    assert [p.where for p in zips] == [
        "line {}, column {}".format(*_position(text, '"zip"', n)) for n in (1, 2, 3)]
    assert zips[0].detail == "patient.address.zip: expected a 5- or 9-digit ZIP code"


def test_problems_past_the_limit_are_counted(tmp_path, record):
    path = tmp_path / "s.jsonl"
    path.write_text("".join(json.dumps(record | {"date_of_service": "2025-02-30"}) + "\n"
                            for _ in range(MAX_PROBLEMS + 7)))
    with pytest.raises(InputProblems) as exc:
        load_sessions(path)
    assert len(exc.value.problems) == MAX_PROBLEMS and exc.value.more == 7
    assert str(exc.value).splitlines()[-1] == f"{path}: 7 more problem(s) not listed"
    assert exc.value.problems[-1].where.startswith(f"line {MAX_PROBLEMS}, column ")


def test_cli_prints_each_problem_as_an_error_line(tmp_path, record, demo_dir):
    r1 = record | {"date_of_service": "03/03/2025"}
    r2 = record | {"session_id": "S2", "payr": "medicare"}
    path = tmp_path / "s.jsonl"
    path.write_text(json.dumps(r1) + "\n" + json.dumps(r2) + "\n")
    res = runner.invoke(app, ["build", str(path), "-c", str(demo_dir / "claimkit.toml")])
    assert res.exit_code == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 2 and all(line.startswith(f"error: {path}: line ") for line in lines)
    assert "payr: unknown field (did you mean 'payer'?)" in lines[1]
    assert "Traceback" not in res.output


def test_validate_reports_one_finding_per_problem(tmp_path, record, registry, demo_dir):
    path = tmp_path / "s.yaml"
    record["patient"]["adress"] = record["patient"].pop("address")
    record["services"][0]["minutes"] = "30 min"
    text = yaml.safe_dump([record], sort_keys=False)
    path.write_text(text)
    res = _validate(path, registry, demo_dir)
    found = [(d.rule, d.location.row, d.location.column, d.message) for d in res.diagnostics]
    assert ("CK-I002", *_position(text, "adress:"),
            "patient.adress: unknown field (did you mean 'address'?)") in found
    assert ("CK-I002", *_position(text, "minutes:"),
            "services[1].minutes: expected a whole number of minutes, got '30 min'") in found


def test_unknown_csv_column_gets_a_suggestion_and_its_position(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text(CSV_HEADER.replace("service_minutes", "service_minuts")
                    + CSV_ROW.format(sid="A", dos="2025-01-06", street="1 OAK", minutes=30))
    with pytest.raises(InputError) as exc:
        load_sessions(path)
    line, col = _position(path.read_text(), "service_minuts")
    assert str(exc.value) == (f"{path}: line {line}, column {col}: unknown column 'service_minuts' "
                              "(did you mean 'service_minutes'?)")


def test_a_duplicated_csv_column_is_refused(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text(CSV_HEADER.rstrip("\n") + ",service_code\n"
                    + CSV_ROW.format(sid="A", dos="2025-01-06", street="1 OAK", minutes=30).rstrip("\n")
                    + ",97112\n")  # noqa: E501
    with pytest.raises(InputError, match="column 'service_code' appears more than once"):
        load_sessions(path)


def test_one_index_base_in_build_findings(tmp_path, record, registry, demo_dir):
    # The second service (services[2], counted from 1 as in every message) has no fee.
    record["services"][1]["code"] = "97124"
    path = tmp_path / "s.json"
    path.write_text(json.dumps([record], indent=2))
    res = _validate(path, registry, demo_dir)
    fee = [d for d in res.diagnostics if d.rule == "CK-U011"]
    assert fee and fee[0].location.field == "services[2].code"


def test_unquoted_yaml_zip_is_explained(tmp_path, record):
    record["patient"]["address"]["zip"] = 2134  # what YAML makes of zip: 02134 (octal-ish, unquoted)
    path = tmp_path / "s.yaml"
    text = yaml.safe_dump([record], sort_keys=False)
    path.write_text(text)
    with pytest.raises(InputError) as exc:
        load_sessions(path)
    line, col = _position(text, "zip:")
    assert str(exc.value) == (f"{path}: line {line}, column {col}: patient.address.zip: expected text: "
                              'write the value in quotes, e.g. "02134" (a number loses leading zeros)')
