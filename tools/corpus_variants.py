"""Maintainer tool: (re)write the one-defect variants of tests/corpus from their upstream bases.

Each variant changes exactly one thing in one upstream file of ``tests/corpus/x12`` (a segment
replaced, moved, added or removed, with SE01 kept right unless SE01 is the defect). The list
below is the documentation of record: ``tools/corpus_sources.py`` copies each ``change`` into
``tests/corpus/sources.json``.

    python tools/corpus_variants.py            # rewrite tests/corpus/x12/v_*.x12
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

X12 = Path(__file__).resolve().parent.parent / "tests" / "corpus" / "x12"


def _replace(old: str, new: str, count: int = 1):
    def edit(text: str) -> str:
        assert text.count(old) >= count, (old, text.count(old))
        return text.replace(old, new, count)
    return edit


def _drop(segment: str):
    """Remove one whole segment line and lower SE01 by one."""
    def edit(text: str) -> str:
        line = segment + "~\n"
        assert text.count(line) == 1, segment
        text = text.replace(line, "", 1)
        return _se_delta(text, -1)
    return edit


def _move(segment: str, after: str):
    """Move one segment line to just after another (same segment count)."""
    def edit(text: str) -> str:
        line = segment + "~\n"
        assert text.count(line) >= 1 and text.count(after + "~\n") == 1, (segment, after)
        text = text.replace(line, "", 1)
        return text.replace(after + "~\n", after + "~\n" + line, 1)
    return edit


def _se_delta(text: str, delta: int) -> str:
    m = re.search(r"^SE\*(\d+)\*", text, re.M)
    assert m
    return text[:m.start(1)] + str(int(m.group(1)) + delta) + text[m.end(1):]


# (variant file, upstream base file, what changes, edit)
VARIANTS = [
    ("v_dtp472_at_2300.x12", "tr3_ex06_chiropractic.x12",
     "DTP*472 (service date) moved from its 2400 line to the 2300 claim, after the claim's other DTPs",
     _move("DTP*472*D8*20050215", "DTP*455*D8*20050113")),
    ("v_nm103_on_nm1_87.x12", "tr3_ex01_commercial.x12",
     "2010AB pay-to address NM1*87 carries a name in NM103 (TR3: not used)",
     _replace("NM1*87*2~", "NM1*87*2*KILDARE ASSOCIATES~")),
    ("v_n4_state_invalid.x12", "tr3_ex01_commercial.x12",
     "2010AA billing provider N4 state code 'XX' (not a state/province code)",
     _replace("N4*MIAMI*FL*33111~\nREF*EI", "N4*MIAMI*XX*33111~\nREF*EI")),
    ("v_sbr09_xx.x12", "tr3_ex01_commercial.x12",
     "2000B SBR09 claim filing indicator 'XX' (not in code list 1032)",
     _replace("SBR*P**2222-SJ******CI~", "SBR*P**2222-SJ******XX~")),
    ("v_hi02_abk.x12", "tr3_ex01_commercial.x12",
     "HI02 qualifier 'ABK' (principal ICD-10 qualifier) in the other-diagnosis position after an ICD-9 BK",
     _replace("HI*BK>0340*BF>V7389~", "HI*BK>0340*ABK>V7389~")),
    ("v_prv_bi_in_2310b.x12", "tr3_ex03a_payer_a.x12",
     "2310B rendering provider PRV01 'BI' instead of 'PE'",
     _replace("PRV*PE*PXC*204C00000X~", "PRV*BI*PXC*204C00000X~")),
    ("v_isa05_qq.x12", "tr3_ex01_commercial.x12",
     "ISA05 sender ID qualifier 'QQ' (not in code list I05)",
     _replace("*00*          *ZZ*SENDER ", "*00*          *QQ*SENDER ")),
    ("v_isa11_u.x12", "tr3_ex01_commercial.x12",
     "ISA11 'U' (the 4010 standards identifier) where 00501 wants the repetition separator",
     _replace("*1408*^*00501*", "*1408*U*00501*")),
    ("v_clm05_3_is_5.x12", "tr3_ex01_commercial.x12",
     "CLM05-3 claim frequency code '5' (late charge: not allowed on an 837P)",
     _replace("CLM*26463774*100***11>B>1*", "CLM*26463774*100***11>B>5*")),
    ("v_missing_2010bb.x12", "tr3_ex02_encounter.x12",
     "2010BB payer name loop removed (NM1*PR, its only segment here)",
     _drop("NM1*PR*2*ALLIANCE HEALTH AND LIFE INSURANCE*****PI*741234")),
    ("v_se01_wrong.x12", "tr3_ex01_commercial.x12",
     "SE01 says 41 segments; the transaction set has 42",
     _replace("SE*42*0021~", "SE*41*0021~")),
    ("v_lx_out_of_sequence_cob.x12", "tr3_ex03a_payer_a.x12",
     "COB claim: second service line numbered LX*3 (LX01 must run 1, 2, 3...)",
     _replace("LX*2~", "LX*3~")),
    ("v_sv101_7_description.x12", "tr3_ex01_commercial.x12",
     "SV101-7 procedure description added on the first line (situational element, syntactically valid)",
     _replace("SV1*HC>99213*40*", "SV1*HC>99213>>>>>OFFICE VISIT*40*")),
    ("v_clm02_unbalanced.x12", "tr3_ex01_commercial.x12",
     "CLM02 total charge 120 while the four lines sum to 100",
     _replace("CLM*26463774*100***", "CLM*26463774*120***")),
    ("v_hl_parent_wrong.x12", "tr3_ex01_commercial.x12",
     "2000C patient HL02 parent points at the billing provider HL (1) instead of the subscriber (2)",
     _replace("HL*3*2*23*0~", "HL*3*1*23*0~")),
    ("v_pat_missing_2000c.x12", "tr3_ex01_commercial.x12",
     "2000C PAT segment (required) removed",
     _drop("PAT*19")),
    ("v_ge01_wrong.x12", "tr3_ex01_commercial.x12",
     "GE01 says 2 transaction sets; the group has 1",
     _replace("GE*1*000000001~", "GE*2*000000001~")),
    ("v_dtp472_invalid_date.x12", "tr3_ex09_anesthesia.x12",
     "DTP*472 date 20050132 (no such day)",
     _replace("DTP*472*D8*20050112~", "DTP*472*D8*20050132~")),
    ("v_rd8_reversed.x12", "tr3_ex07_oxygen.x12",
     "first line's DTP*472 RD8 range runs backwards (20050321-20050301)",
     _replace("DTP*472*RD8*20050321-20050321~", "DTP*472*RD8*20050321-20050301~")),
    ("v_ndc_ctp_unit_bad.x12", "tr3_ex10a_drug_admin_office.x12",
     "2410 CTP05-1 unit 'XX' for the NDC quantity (code list: F2, GR, ME, ML, UN)",
     _replace("CTP****10*ML~", "CTP****10*XX~")),
]


def main() -> int:
    for name, base, _why, edit in VARIANTS:
        text = (X12 / base).read_text(encoding="latin-1")
        new = edit(text)
        assert new != text, name
        (X12 / name).write_text(new, encoding="latin-1")
    print(f"{len(VARIANTS)} variants written to {X12}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
