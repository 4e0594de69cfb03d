"""Regenerate the hostile-input corpus (tests/hostile/): small files that once gave a traceback,
a wrong exit code or a message with PHI. Deterministic. Run: python tools/make_hostile.py

Every file must make `claimkit build FILE` and `claimkit validate FILE` (demo practice) exit 2
with a one-line message, quickly, without echoing the PHI markers below. The 837P files in
tests/hostile/x12/ must make `claimkit validate` report their rule (tests/test_hostile_formats.py).
Big inputs (a file over the size limit, a very long JSON line) are made at test time by tests/test_hostile.py instead.
The XML cases need an installed claimkit (they start from a claims XML it writes).
"""
from __future__ import annotations

import copy
import csv
import io
import json
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "tests" / "hostile"

# Synthetic PHI markers: no message may contain them (tests/test_hostile.py checks).
PHI = {"last_name": "ZZPATLAST", "first_name": "ZZPATFIRST", "birth_date": "1970-01-01",
       "member_id": "ZZMEM4242", "line1": "42 ZZSTREET"}

BASE = {
    "session_id": "H0001", "date_of_service": "2025-03-03", "payer": "medicare",
    "rendering_provider": "rivera",
    "patient": {"id": "P900", "last_name": PHI["last_name"], "first_name": PHI["first_name"],
                "birth_date": PHI["birth_date"], "sex": "F",
                "address": {"line1": PHI["line1"], "city": "SPRINGFIELD", "state": "IL", "zip": "62704"},
                "member_id": PHI["member_id"], "relationship": "self"},
    "diagnoses": ["M54.50"],
    "services": [{"code": "97110", "minutes": 30}],
}
DEEP = 5000  # far past Python's recursion limit (1000)


def rec(**changes) -> dict:
    """BASE with dotted-path changes, e.g. rec(**{"patient.address.zip": "6"})."""
    r = copy.deepcopy(BASE)
    for path, value in changes.items():
        node = r
        *parents, last = path.split(".")
        for p in parents:
            node = node[int(p)] if p.isdigit() else node[p]
        node[int(last) if last.isdigit() else last] = value
    return r


def j(obj) -> str:
    return json.dumps(obj)


def yaml_text(obj) -> str:
    import yaml

    return yaml.safe_dump(obj, sort_keys=False)


def csv_text(records: list[dict], *, header: bool = True, override: dict | None = None) -> str:
    cols = ["session_id", "date_of_service", "payer", "rendering_provider", "diagnoses", "patient_id",
            "patient_last_name", "patient_first_name", "patient_birth_date", "patient_sex",
            "patient_member_id", "patient_address_line1", "patient_city", "patient_state",
            "patient_zip", "service_code", "service_minutes"]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    if header:
        w.writerow(cols)
    for r in records:
        p = r["patient"]
        s = r["services"][0]
        row = {"session_id": r["session_id"], "date_of_service": r["date_of_service"],
               "payer": r["payer"], "rendering_provider": r["rendering_provider"],
               "diagnoses": " ".join(r["diagnoses"]), "patient_id": p["id"],
               "patient_last_name": p["last_name"], "patient_first_name": p["first_name"],
               "patient_birth_date": p["birth_date"], "patient_sex": p["sex"],
               "patient_member_id": p["member_id"], "patient_address_line1": p["address"]["line1"],
               "patient_city": p["address"]["city"], "patient_state": p["address"]["state"],
               "patient_zip": p["address"]["zip"], "service_code": s["code"],
               "service_minutes": s["minutes"]}
        row.update(override or {})
        w.writerow([row[c] for c in cols])
    return buf.getvalue()


def deep_list(n: int = DEEP) -> str:
    return "[" * n + "]" * n


def deep_json_field() -> str:
    text = j(rec())
    return text.replace('"city"', '"nest": ' + deep_list() + ', "city"', 1)


LAUGHS_YAML = "a: &a [" + ", ".join(["ZZPATLAST"] * 9) + "]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 9) + "]\n" for i in range(8))
BIG = "9" * 5000

CASES: dict[str, str] = {
    # 1. JSON nested thousands deep: the whole file, one field, one JSONL line
    "json-deep-file.json": deep_list(),
    "json-deep-object.json": '{"a":' * DEEP + "1" + "}" * DEEP,
    "json-deep-field.json": deep_json_field(),
    "jsonl-deep-line.jsonl": j(rec()) + "\n" + deep_list() + "\n",
    "json-deep-nosuffix.txt": deep_list(),
    # 2. numbers past int()'s 4300-digit limit
    "json-bignum.json": j(rec()).replace('"minutes": 30', '"minutes": ' + BIG),
    "jsonl-bignum.jsonl": j(rec()).replace('"minutes": 30', '"minutes": ' + BIG) + "\n",
    "json-bignum-charge.json": j(rec()).replace('"minutes": 30', '"minutes": 30, "charge": ' + BIG),
    "json-bignum-string.json": j(rec(**{"services.0.minutes": BIG})),
    "json-infinity.json": j(rec()).replace('"minutes": 30', '"minutes": Infinity'),
    "json-nan-charge.json": j(rec()).replace('"minutes": 30', '"minutes": 30, "charge": NaN'),
    "csv-bignum.csv": csv_text([rec()], override={"service_minutes": BIG}),
    "yaml-bignum.yaml": yaml_text(rec()).replace("minutes: 30", "minutes: " + BIG),
    # 3. impossible dates
    "yaml-impossible-date.yaml": yaml_text(rec()).replace("'2025-03-03'", "2025-02-30"),
    "yaml-impossible-birth-date.yaml": yaml_text(rec()).replace("'1970-01-01'", "1970-02-30"),
    "json-impossible-date.json": j(rec(date_of_service="2025-02-30")),
    "csv-impossible-birth-date.csv": csv_text([rec(**{"patient.birth_date": "1970-02-30"})]),
    # 4. YAML: deep flow collections, alias bombs, tags
    "yaml-deep-flow.yaml": deep_list(),
    "yaml-deep-flow-map.yaml": "{a: " * DEEP + "1" + "}" * DEEP,
    "yaml-deep-field.yaml": yaml_text(rec()).replace("city: SPRINGFIELD",
                                                     "nest: " + deep_list() + "\n    city: SPRINGFIELD", 1),
    "yaml-billion-laughs.yaml": LAUGHS_YAML,
    "yaml-alias-bomb-in-record.yaml": LAUGHS_YAML.replace("i: &i", "notes: &i").replace(
        "a: &a", "session_id: H0001\na: &a"),
    "yaml-python-object.yaml": "!!python/object/apply:os.system ['echo pwned']\n",
    "yaml-python-tag-field.yaml": yaml_text(rec()).replace("payer: medicare", "payer: !!python/name:os.system ''"),
    "yaml-binary-field.yaml": yaml_text(rec()).replace("payer: medicare", "payer: !!binary aGVsbG8="),
    "yaml-set-key.yaml": yaml_text(rec()).replace("payer: medicare", "? [a, b]\n: medicare"),
    # 6. size limits (the big-file case is made at test time)
    "json-long-field.json": j(rec(**{"patient.last_name": "ZZPATLAST" * 2000})),
    "csv-long-field.csv": csv_text([rec(**{"patient.last_name": "ZZPATLAST" * 20000})]),
    # 7. PHI must not be echoed
    "csv-no-header.csv": csv_text([rec()], header=False),
    "json-unknown-field.json": j({**rec(), "patient_name": "ZZPATLAST ZZPATFIRST"}),
    "json-unknown-patient-field.json": j(rec(**{"patient.nickname": "ZZPATFIRST"})),
    "json-bad-member-id.json": j(rec(**{"patient.member_id": ["ZZMEM4242"]})),
    "json-name-not-string.json": j(rec(**{"patient.last_name": {"ZZPATLAST": 1}})),
    # 8. messages in the user's words
    "json-slash-date.json": j(rec(date_of_service="03/03/2025")),
    "json-bad-zip.json": j(rec(**{"patient.address.zip": "6270"})),
    "json-minutes-text.json": j(rec(**{"services.0.minutes": "30 min"})),
    "csv-minutes-text.csv": csv_text([rec()], override={"service_minutes": "30 min"}),
    "csv-bad-zip.csv": csv_text([rec()], override={"patient_zip": "6270"}),
    "csv-slash-date.csv": csv_text([rec()], override={"date_of_service": "03/03/2025"}),
    # odd shapes
    "json-top-scalar.json": "5",
    "json-sessions-not-list.json": j({"sessions": {"a": 1}}),
    "jsonl-scalar-line.jsonl": j(rec()) + "\n" + '"ZZPATLAST"' + "\n",
    "json-nul.json": j(rec()).replace("SPRINGFIELD", "SPRING\u0000FIELD"),
    "csv-nul.csv": csv_text([rec()]).replace("SPRINGFIELD", "SPRING\x00FIELD"),
    "json-lone-surrogate.json": j(rec()).replace("SPRINGFIELD", "SPRING\\ud800FIELD"),
}

# Expected words in the message, by case (checked by the tests as well as exit code 2).
EXPECT: dict[str, str] = {
    "json-deep-file.json": "nested",
    "json-deep-field.json": "nested",
    "jsonl-deep-line.jsonl": "line 2",
    "json-bignum.json": "digits",
    "csv-bignum.csv": "service_minutes",
    "yaml-impossible-date.yaml": "date_of_service",
    "yaml-impossible-birth-date.yaml": "birth_date",
    "yaml-deep-flow.yaml": "nested",
    "yaml-billion-laughs.yaml": "alias",
    "json-long-field.json": "characters",
    "json-slash-date.json": "expected a date as YYYY-MM-DD, got '03/03/2025'",
    "json-bad-zip.json": "expected a 5- or 9-digit ZIP code",
    "json-minutes-text.json": "expected a whole number of minutes",
    "csv-minutes-text.csv": "service_minutes: expected a whole number of minutes, got '30 min'",
    "csv-bad-zip.csv": "patient_zip: expected a 5- or 9-digit ZIP code",
    "csv-slash-date.csv": "date_of_service: expected a date as YYYY-MM-DD, got '03/03/2025'",
    "csv-no-header.csv": "header",
}


# --- X12 (tests/hostile/x12/): validate must exit with a finding, never 0 or a traceback ------
X12_REFERENCE = OUT.parent / "x12" / "cases" / "reference.x12"  # synthetic, two claims


def x12_cases() -> dict[str, str]:
    """837P files that once validated with exit 0 or crashed; made from the reference file."""
    ref = X12_REFERENCE.read_text()
    segs = [s for s in ref.split("~") if s.strip()]
    clm = next(i for i, s in enumerate(segs) if s.lstrip().startswith("CLM*"))
    sv1 = next(i for i, s in enumerate(segs) if s.lstrip().startswith("SV1*"))

    def join(parts: list[str]) -> str:
        return "~".join(parts) + "~\n"

    return {
        "x12-garbage-after-iea.x12": ref + "ZZPATLAST trailing text\n",
        "x12-segment-after-iea.x12": ref + "NM1*QC*1*ZZPATLAST*ZZPATFIRST~\n",
        "x12-empty-segments.x12": join(segs[:clm] + [""] * 5000 + segs[clm:]),
        "x12-trailing-separators.x12": join(segs[:sv1] + [segs[sv1] + "***"] + segs[sv1 + 1:]),
        "x12-duplicate-isa13.x12": ref + ref,
        "x12-duplicate-clm01.x12": ref.replace("CLM*PT0002-20240111*", "CLM*PT0001-20240110*"),
        "x12-isa-only.x12": ref[:106],
        "x12-truncated.x12": ref[: len(ref) // 2],
        "x12-nul-in-element.x12": ref.replace("CLM*", "CL\x00M*", 1),
        "x12-no-segment-terminator.x12": ref[:106] + ref[106:].replace("~", ""),
    }


# Exit code and a rule each X12 case must report (validate, default --fail-on error).
X12_EXPECT: dict[str, list] = {
    "x12-garbage-after-iea.x12": [1, "CK-X024"],
    "x12-segment-after-iea.x12": [1, "CK-X024"],
    "x12-empty-segments.x12": [1, "CK-X025"],
    "x12-trailing-separators.x12": [0, "CK-X023"],  # a warning: exit 1 with --fail-on warning
    "x12-duplicate-isa13.x12": [1, "CK-X027"],
    "x12-duplicate-clm01.x12": [0, "CK-X028"],  # a warning
    "x12-isa-only.x12": [1, "CK-X014"],
    "x12-truncated.x12": [1, "CK-I003"],
    "x12-nul-in-element.x12": [1, "CK-X003"],
    "x12-no-segment-terminator.x12": [1, "CK-X014"],
}


def xml_cases() -> dict[str, bytes]:
    """Claims XML cases, starting from the XML claimkit writes for BASE."""
    import datetime
    import tempfile

    from claimkit.config import load_practice
    from claimkit.loaders import load_sessions
    from claimkit.pipeline import build_and_check, make_batch
    from claimkit.xml import write_xml

    repo = OUT.parent.parent
    practice = load_practice(repo / "fixtures" / "demo" / "claimkit.toml")
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "base.json"
        src.write_text(j([rec()]))
        outcome = build_and_check(load_sessions(src), practice, today=datetime.date(2025, 4, 1))
    good = write_xml(make_batch(practice, outcome.claims))
    assert PHI["birth_date"] in good, "the base XML carries the birth date marker"
    laughs = ('<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "ZZPATLAST">\n' + "".join(
        f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">\n' for i in range(1, 10))
        + ']>\n<claimBatch xmlns="urn:claimkit:claims:1.0">&lol9;</claimBatch>\n')
    return {
        "xml-bad-birth-date.xml": good.replace(PHI["birth_date"], "1970-02-30").encode(),
        "xml-xxe.xml": good.replace("?>", '?>\n<!DOCTYPE claimBatch [<!ENTITY x SYSTEM "file:///etc/passwd">]>', 1)
        .replace(PHI["last_name"], "&x;").encode(),
        "xml-billion-laughs.xml": laughs.encode(),
        "xml-utf16-doctype.xml": laughs.replace('version="1.0"', 'version="1.0" encoding="UTF-16"').encode("utf-16"),
        "xml-deep.xml": ('<claimBatch xmlns="urn:claimkit:claims:1.0">' + "<a>" * DEEP + "</a>" * DEEP
                         + "</claimBatch>").encode(),
        "xml-external-dtd.xml": good.replace(
            "?>", '?>\n<!DOCTYPE claimBatch SYSTEM "http://127.0.0.1:9/x.dtd">', 1).encode(),
    }


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.iterdir():
        if old.is_file() and old.name != "README.md":
            old.unlink()
    for name, text in CASES.items():
        (OUT / name).write_text(text, encoding="utf-8", newline="")
    for name, data in xml_cases().items():
        (OUT / name).write_bytes(data)
    (OUT / "x12").mkdir(exist_ok=True)
    for old in (OUT / "x12").iterdir():
        old.unlink()
    for name, text in x12_cases().items():
        (OUT / "x12" / name).write_text(text, encoding="utf-8", newline="")
    (OUT / "expect.json").write_text(json.dumps({"phi": sorted(PHI.values()), "expect": EXPECT,
                                                 "x12": X12_EXPECT}, indent=1) + "\n")
    print(f"{len(CASES)} + XML + {len(X12_EXPECT)} X12 cases written to {OUT}")


if __name__ == "__main__":
    main()
