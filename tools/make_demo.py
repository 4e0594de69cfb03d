"""Regenerate the synthetic demo practice's sessions (fixtures/demo/). Deterministic.

Every person, address and ID is invented. Run: python tools/make_demo.py
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "fixtures" / "demo"

PATIENTS = {
    "P001": dict(last_name="HALVORSEN", first_name="ERIK", birth_date="1951-04-12", sex="M",
                 address=dict(line1="12 ELM STREET", city="SPRINGFIELD", state="IL", zip="62704"),
                 member_id="1EG4TE5MK72", relationship="self"),
    "P002": dict(last_name="MBEKI", first_name="GRACE", birth_date="1948-09-30", sex="F",
                 address=dict(line1="88 BIRCH LANE", line2="APT 3", city="CHATHAM", state="IL", zip="62629"),
                 member_id="2HT7PK3MW11", relationship="self"),
    "P003": dict(last_name="CASTILLO", first_name="ROSA", middle_name="M", birth_date="1983-02-17", sex="F",
                 address=dict(line1="5 WILLOW COURT", city="SPRINGFIELD", state="IL", zip="62702"),
                 member_id="LKS400112", group_number="GRP7781", relationship="self"),
    "P004": dict(last_name="NAKAMURA", first_name="KEN", birth_date="1990-11-05", sex="M",
                 address=dict(line1="301 MAPLE AVENUE", city="ROCHESTER", state="IL", zip="62563"),
                 member_id="LKS400245", group_number="GRP7781", relationship="self"),
    # a dependent: the subscriber is the parent (loop 2000C)
    "P005": dict(last_name="OBRIEN", first_name="LIAM", birth_date="2012-06-21", sex="M",
                 address=dict(line1="17 CEDAR DRIVE", city="SPRINGFIELD", state="IL", zip="62711"),
                 relationship="child"),
    "P006": dict(last_name="PETROVA", first_name="ANNA", birth_date="1957-01-08", sex="F",
                 address=dict(line1="940 OAK HILL ROAD", city="SHERMAN", state="IL", zip="62684"),
                 member_id="3KP2WD8QA45", relationship="self"),
}
# P002 as Lakeshore knows her (her supplemental plan; Medicare's MBI is in other_payers)
PATIENTS["P002S"] = dict(PATIENTS["P002"], member_id="LKS400777", group_number="GRP7781")
SUBSCRIBERS = {
    "P005": dict(last_name="OBRIEN", first_name="SIOBHAN", birth_date="1984-03-14", sex="F",
                 address=dict(line1="17 CEDAR DRIVE", city="SPRINGFIELD", state="IL", zip="62711"),
                 member_id="LKS400388", group_number="GRP7781"),
}

# Claim details (issue 12; docs/sessions.md "Claim details")
# P001's January Medicare episode: certified by Dr Patel, plan of care started 2025-01-06
MEDICARE_EPISODE = dict(referring_provider="patel", initial_treatment_date="2025-01-06",
                        onset_date="2024-12-20")
AUTO_ACCIDENT = dict(onset_date="2025-02-10",
                     accident=dict(related_causes=["AA"], state="IL", accident_date="2025-02-10"))
LAKESHORE_AUTH = dict(prior_authorization="LKA2025041601")
# Medicare's EOB for 2025-02-12 (97530 x4, 160.00): allowed 128.92, paid 80% = 103.14
AFTER_MEDICARE = dict(payer_sequence="S", other_payers=[dict(
    payer="medicare", responsibility="P", member_id="2HT7PK3MW11", paid="103.14",
    patient_responsibility="25.78", adjudication_date="2025-03-04",
    lines=[dict(code="97530", paid="103.14", adjustments=[
        dict(group="CO", reason="45", amount="31.08"),
        dict(group="PR", reason="2", amount="25.78")])])])

# (patient, date, payer, provider, pos, diagnoses,
#  services[(code, minutes|None, units|None, mods, dx[, charge])][, claim details])
S = [
    # Medicare, CMS rule: the manual's worked examples as real sessions
    ("P001", "2025-01-06", "medicare", "rivera", None, ["M54.50", "M62.81"],
     [("97161", 40, None, [], []), ("G0283", 15, None, [], [1])], MEDICARE_EPISODE),
    ("P001", "2025-01-09", "medicare", "rivera", None, ["M54.50", "M62.81"],
     [("97112", 24, None, [], [1, 2]), ("97110", 23, None, [], [1])], MEDICARE_EPISODE),  # ex. 1
    ("P001", "2025-01-13", "medicare", "rivera", None, ["M54.50", "M62.81"],
     [("97112", 20, None, [], [2]), ("97110", 20, None, [], [1])], MEDICARE_EPISODE),  # ex. 2 (tie)
    ("P001", "2025-01-16", "medicare", "rivera", None, ["M54.50"],
     [("97110", 33, None, [], []), ("97140", 7, None, [], [])], MEDICARE_EPISODE),  # ex. 3
    ("P002", "2025-02-03", "medicare", "rivera", None, ["M25.511", "M75.101", "M62.830"],
     [("97162", 45, None, [], [1, 2])]),
    ("P002", "2025-02-05", "medicare", "rivera", None, ["M25.511", "M75.101", "M62.830"],
     [("97110", 18, None, [], [1]), ("97140", 13, None, [], [2, 3]),
      ("97116", 10, None, [], [1]), ("97035", 8, None, [], [2])]),                # ex. 4
    ("P002", "2025-02-10", "medicare", "rivera", None, ["M25.511", "M75.101"],
     [("97112", 7, None, [], []), ("97110", 7, None, [], []), ("97140", 7, None, [], [2])]),  # ex. 5
    ("P002", "2025-02-12", "medicare", "rivera", None, ["M25.511", "M75.101"],
     [("97530", 60, None, [], [1, 2])]),                                          # 60 min -> 4
    ("P006", "2025-03-03", "medicare", "rivera", None, ["M17.11", "M25.561", "R26.2", "M62.81"],
     [("97161", 35, None, [], [1, 2, 3]), ("97110", 25, None, [], [1, 2]), ("97116", 15, None, [], [3])]),
    ("P006", "2025-03-06", "medicare", "rivera", None, ["M17.11", "M25.561", "R26.2", "M62.81"],
     [("97110", 30, None, [], [1, 2]), ("97116", 14, None, [], [3]), ("97530", 11, None, [], [3, 4])]),
    ("P006", "2025-03-10", "medicare", "rivera", None, ["M17.11", "R26.2"],
     [("97110", 22, None, [], [1]), ("97112", 16, None, [], [2]), ("G0283", 15, None, [], [1])]),
    ("P006", "2025-10-06", "medicare", "rivera", None, ["M17.12", "M25.562"],
     [("97110", 38, None, [], [1, 2])]),
    ("P001", "2025-11-03", "medicare", "rivera", None, ["M51.360", "M62.81"],
     [("97140", 23, None, [], [1]), ("97110", 22, None, [], [1, 2])]),
    ("P001", "2026-02-02", "medicare", "rivera", None, ["M54.50", "M54.16"],
     [("97112", 15, None, [], [2]), ("97110", 30, None, [], [1]), ("97140", 8, None, [], [1])]),
    ("P002", "2026-04-06", "medicare", "rivera", None, ["M19.011", "M25.511"],
     [("97110", 40, None, [], [1, 2]), ("97530", 12, None, [], [2])]),
    ("P006", "2026-09-28", "medicare", "rivera", None, ["M17.11"],
     [("97110", 53, None, [], [])]),
    # Lakeshore, AMA rule: massage, PT, OT, telehealth, dependent patient
    ("P003", "2025-01-21", "lakeshore", "lind", None, ["M54.2", "M62.838"],
     [("97124", 60, None, [], [1, 2])]),
    ("P003", "2025-02-18", "lakeshore", "lind", None, ["M54.2", "M62.838", "S13.4XXD"],
     [("97124", 45, None, [], [1, 3]), ("97110", 15, None, [], [2])], AUTO_ACCIDENT),
    ("P003", "2025-04-22", "lakeshore", "lind", None, ["M54.2"],
     [("97124", 30, None, [], [])]),
    ("P004", "2025-03-12", "lakeshore", "rivera", None, ["S93.401D", "M25.571"],
     [("97161", 30, None, [], [1]), ("97110", 24, None, [], [1]), ("97112", 23, None, [], [1])]),
    ("P004", "2025-03-19", "lakeshore", "rivera", None, ["S93.401D"],
     [("97110", 33, None, [], []), ("97140", 7, None, [], [])]),
    ("P004", "2025-03-26", "lakeshore", "rivera", None, ["S93.401D", "R26.2"],
     [("97112", 20, None, [], [1]), ("97110", 20, None, [], [1]), ("97016", 10, None, [], [1])]),
    ("P004", "2025-04-02", "lakeshore", "rivera", "10", ["S93.401D"],
     [("97110", 25, None, ["95"], [])]),                                          # telehealth, home
    ("P004", "2025-04-09", "lakeshore", "rivera", "02", ["S93.401D", "R26.2"],
     [("97110", 20, None, ["95"], [1]), ("97530", 10, None, ["95"], [2])]),       # telehealth
    ("P005", "2025-05-06", "lakeshore", "okafor", None, ["G44.52", "M62.81", "R26.2"],
     [("97165", 50, None, [], [1, 2, 3])]),
    ("P005", "2025-05-13", "lakeshore", "okafor", None, ["G44.52", "M62.81", "R26.2"],
     [("97530", 38, None, [], [1, 3]), ("97535", 15, None, [], [2])]),
    ("P005", "2025-05-20", "lakeshore", "okafor", None, ["G44.52", "R26.2"],
     [("97530", 45, None, [], [1, 2])]),
    ("P003", "2025-09-16", "lakeshore", "lind", None, ["M54.2", "M79.18"],
     [("97124", 53, None, [], [1, 2])]),
    ("P003", "2025-12-09", "lakeshore", "lind", None, ["M54.2", "M79.18", "M62.838", "M54.50", "S13.4XXD"],
     [("97124", 40, None, [], [1, 2, 3, 4]), ("97110", 12, None, [], [5])]),
    ("P004", "2026-01-14", "lakeshore", "rivera", None, ["M54.50", "M62.830"],
     [("97140", 23, None, [], [1]), ("97110", 30, None, [], [1, 2]), ("97112", 9, None, [], [2])]),
    ("P005", "2026-03-10", "lakeshore", "okafor", None, ["G44.52"],
     [("97530", 30, None, [], []), ("97535", 22, None, [], [])]),
    ("P003", "2026-06-16", "lakeshore", "lind", None, ["M62.838"],
     [("97124", 25, None, [], [])]),
    ("P004", "2026-08-25", "lakeshore", "rivera", None, ["M54.50"],
     [("97110", 8, None, [], []), ("97140", 10, 1, [], [])]),                       # explicit units
    # --- claim details (issue 12) ---------------------------------------------------------------
    # home visit (POS 12) under Medicare: the service facility is the patient's home (2310C)
    ("P001", "2025-01-20", "medicare", "rivera", "12", ["M54.50"],
     [("97110", 30, None, [], []), ("97116", 15, None, [], [])],
     dict(MEDICARE_EPISODE, service_facility="halvorsen-home")),
    # an office visit and a telehealth visit on one day: two claims (CLM05-1 11 and 02)
    ("P004", "2025-04-16", "lakeshore", "rivera", None, ["S93.401D"],
     [("97110", 25, None, [], [])], LAKESHORE_AUTH),
    ("P004", "2025-04-16", "lakeshore", "rivera", "02", ["S93.401D", "R26.2"],
     [("97530", 20, None, ["95"], [2])], LAKESHORE_AUTH),
    # secondary claim after Medicare: Lakeshore supplements Medicare's payment of S0008
    ("P002S", "2025-02-12", "lakeshore", "rivera", None, ["M25.511", "M75.101"],
     [("97530", 60, None, [], [1, 2], "160.00")], AFTER_MEDICARE),
    # replacement of a paid Lakeshore claim (CLM05-3 7 with the payer's claim number REF*F8)
    ("P003", "2025-06-10", "lakeshore", "lind", None, ["M54.2", "M62.838"],
     [("97124", 45, None, [], [1, 2])],
     dict(frequency="7", payer_claim_number="LKS2025061000123", note="CORRECTED MINUTES")),
    # speech-language pathology (GN): evaluation with a referral and a faxed attachment
    ("P005", "2025-06-03", "lakeshore", "chen", None, ["F80.0"],
     [("92523", None, 1, [], [], "210.00")],  # SLP: priced per service (no fee schedule entry)
     dict(referral_number="LKR55012", note="PLAN OF CARE FAXED",
          attachments=[dict(report_type="OZ", transmission="FX", control_number="SLP0603EVAL")])),
    ("P005", "2025-06-10", "lakeshore", "chen", None, ["F80.0"],
     [("92507", None, 1, [], [], "95.00")], dict(referral_number="LKR55012")),
]


def session(i: int, row: tuple) -> dict:
    pid, dos, payer, prov, pos, dx, services, *details = row
    patient = dict(id=pid[:4], **PATIENTS[pid])
    rec: dict = dict(session_id=f"S{i:04d}", date_of_service=dos, payer=payer,
                     rendering_provider=prov, patient=patient)
    if pid in SUBSCRIBERS:
        rec["subscriber"] = SUBSCRIBERS[pid]
    if pos:
        rec["place_of_service"] = pos
    rec["diagnoses"] = dx
    rec["services"] = []
    for code, minutes, units, mods, sdx, *charge in services:
        svc: dict = {"code": code}
        if minutes is not None:
            svc["minutes"] = minutes
        if units is not None:
            svc["units"] = units
        if mods:
            svc["modifiers"] = mods
        if sdx:
            svc["diagnoses"] = sdx
        if charge:
            svc["charge"] = charge[0]
        rec["services"].append(svc)
    if details:
        rec.update(details[0])
    return rec


DETAIL_COLUMNS = ("referring_provider", "prior_authorization", "referral_number",
                  "initial_treatment_date", "onset_date", "service_facility", "note", "frequency",
                  "payer_claim_number", "payer_sequence", "insurance_type", "attachments",
                  "other_payers")


def csv_rows(rec: dict) -> list[dict]:
    p = rec["patient"]
    base = {"session_id": rec["session_id"], "date_of_service": rec["date_of_service"],
            "payer": rec["payer"], "rendering_provider": rec["rendering_provider"],
            "place_of_service": rec.get("place_of_service", ""), "diagnoses": " ".join(rec["diagnoses"])}
    for who, person in (("patient", p), ("subscriber", rec.get("subscriber", {}))):
        for key in ("last_name", "first_name", "middle_name", "birth_date", "sex", "member_id", "group_number"):
            base[f"{who}_{key}"] = person.get(key, "")
        addr = person.get("address", {})
        for key in ("line1", "line2", "city", "state", "zip"):
            base[f"{who}_address_{key}" if key.startswith("line") else f"{who}_{key}"] = addr.get(key, "")
    base["patient_id"] = p["id"]
    base["patient_relationship"] = p["relationship"]
    for col in DETAIL_COLUMNS:
        v = rec.get(col, "")
        base[col] = json.dumps(v, separators=(",", ":")) if isinstance(v, list) else v
    acc = rec.get("accident", {})
    base["accident_related_causes"] = " ".join(acc.get("related_causes", []))
    base["accident_state"] = acc.get("state", "")
    base["accident_date"] = acc.get("accident_date", "")
    rows = []
    for s in rec["services"]:
        rows.append({**base, "service_code": s["code"], "service_minutes": s.get("minutes", ""),
                     "service_units": s.get("units", ""), "service_modifiers": " ".join(s.get("modifiers", [])),
                     "service_diagnoses": " ".join(str(d) for d in s.get("diagnoses", [])),
                     "service_charge": s.get("charge", ""), "service_line_id": s.get("line_id", "")})
    return rows


def main() -> None:
    records = [session(i, row) for i, row in enumerate(S, start=1)]
    with open(OUT / "sessions.jsonl", "w", encoding="utf-8", newline="\n") as fh:
        for rec in records:
            fh.write(json.dumps(rec, separators=(",", ":")) + "\n")
    rows = [r for rec in records for r in csv_rows(rec)]
    with open(OUT / "sessions.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    print(f"{len(records)} sessions, {len(rows)} service rows")


if __name__ == "__main__":
    main()
