"""The 837P (005010X222A1) structure written down once, as data: loops, where each segment may
appear, which segments a loop requires, and element usage/type/length/fixed values.

The parser places segments in loops with these tables and the SNIP 1/2 rules check against them.
The code values here are TR3 *syntax* values (qualifiers such as ``D8`` or ``XX``), not external
code sets: ICD-10, CPT/HCPCS, POS and taxonomy lists live in ``codesets/``.
Sources: ASC X12N 005010X222A1 TR3 section 2.4 (segment and element detail), X12.6 (syntax).
"""
from __future__ import annotations

from types import MappingProxyType

# loop -> (level, allowed segment IDs). Level: how deep the loop nests (a loop that opens closes
# every open loop at its level or deeper). HL loops are level 1: they follow each other in the file.
_LOOPS = {
    "HEADER": (0, "ST BHT"),
    "1000A": (1, "NM1 PER"), "1000B": (1, "NM1"),
    "2000A": (1, "HL PRV CUR"),
    "2010AA": (2, "NM1 N3 N4 REF PER"), "2010AB": (2, "NM1 N3 N4"), "2010AC": (2, "NM1 N3 N4 REF"),
    "2000B": (1, "HL SBR PAT"),
    "2010BA": (2, "NM1 N3 N4 DMG REF PER"), "2010BB": (2, "NM1 N3 N4 REF"),
    "2000C": (1, "HL PAT"),
    "2010CA": (2, "NM1 N3 N4 DMG REF PER"),
    "2300": (2, "CLM DTP PWK CN1 AMT REF K3 NTE CR1 CR2 CRC HI HCP"),
    "2310A": (3, "NM1 REF"), "2310B": (3, "NM1 PRV REF"), "2310C": (3, "NM1 N3 N4 REF PER"),
    "2310D": (3, "NM1 REF"), "2310E": (3, "NM1 N3 N4"), "2310F": (3, "NM1 N3 N4"),
    "2320": (3, "SBR CAS AMT OI MOA"),
    "2330A": (4, "NM1 N3 N4 REF"), "2330B": (4, "NM1 N3 N4 DTP REF"), "2330C": (4, "NM1 REF"),
    "2330D": (4, "NM1 REF"), "2330E": (4, "NM1 REF"), "2330F": (4, "NM1 REF"),
    "2330G": (4, "NM1 REF"),
    "2400": (3, "LX SV1 PWK CR1 CR3 CRC DTP QTY MEA CN1 REF AMT K3 NTE PS1 HCP"),
    "2410": (4, "LIN CTP REF"),
    "2420A": (4, "NM1 PRV REF"), "2420B": (4, "NM1 REF"), "2420C": (4, "NM1 N3 N4 REF"),
    "2420D": (4, "NM1 REF"), "2420E": (4, "NM1 N3 N4 REF PER"), "2420F": (4, "NM1 REF"),
    "2420G": (4, "NM1 N3 N4"), "2420H": (4, "NM1 N3 N4"),
    "2430": (4, "SVD CAS DTP AMT"), "2440": (4, "LQ FRM"),
}
LEVEL = MappingProxyType({k: v[0] for k, v in _LOOPS.items()})
# A loop's trigger is the first segment it lists (TR3: the first segment of a loop begins it);
# a missing loop is reported by its trigger (999 IK301 NM1 for a missing 2010BA, IK304 3).
TRIGGER = MappingProxyType({k: v[1].split()[0] for k, v in _LOOPS.items()})
# TR3 order of the loops (section 2.3 transaction set listing): where a missing one was expected.
ORDER = MappingProxyType({k: i for i, k in enumerate(_LOOPS)})
ALLOWED = MappingProxyType({k: frozenset(v[1].split()) for k, v in _LOOPS.items()})

# NM101 entity code -> loop, by context (which level-1/2/3 loop the NM1 follows).
NM1_LOOP = MappingProxyType({
    "header": {"41": "1000A", "40": "1000B"},
    "2000A": {"85": "2010AA", "87": "2010AB", "PE": "2010AC"},
    "2000B": {"IL": "2010BA", "PR": "2010BB"},
    "2000C": {"QC": "2010CA"},
    "2300": {"DN": "2310A", "P3": "2310A", "82": "2310B", "77": "2310C", "DQ": "2310D",
             "PW": "2310E", "45": "2310F"},
    "2320": {"IL": "2330A", "PR": "2330B", "DN": "2330C", "P3": "2330C", "82": "2330D",
             "77": "2330E", "DQ": "2330F", "85": "2330G"},
    "2400": {"82": "2420A", "QB": "2420B", "77": "2420C", "DQ": "2420D", "DK": "2420E",
             "DN": "2420F", "P3": "2420F", "PW": "2420G", "45": "2420H"},
})
HL_LOOP = MappingProxyType({"20": "2000A", "22": "2000B", "23": "2000C"})
# HL03 -> HL03 of the parent it must point to (TR3 2000B/2000C HL02 notes); 20 has no parent.
HL_PARENT = MappingProxyType({"20": None, "22": "20", "23": "22"})

# Segments a loop must contain (TR3 usage "Required"), checked when the loop closes.
# "A|B" = one of; "SEG*Q" = segment with that first element; "loop:X" = a required child loop.
REQUIRED = MappingProxyType({
    "HEADER": ("BHT", "loop:1000A", "loop:1000B", "loop:2000A"),
    "1000A": ("PER",),
    "2000A": ("loop:2010AA",),
    "2010AA": ("N3", "N4", "REF*EI|REF*SY"),
    "2000B": ("SBR", "loop:2010BA", "loop:2010BB"),
    "2000C": ("PAT", "loop:2010CA"),
    "2010CA": ("N3", "N4", "DMG"),
    "2300": ("HI", "loop:2400"),
    "2400": ("SV1", "DTP*472"),
})

# Maximum use of a segment within one loop iteration (TR3 "Max Use"), and loop repeats.
MAX_USE = MappingProxyType({
    "BHT": 1, "PER": 2, "PRV": 1, "CUR": 1, "N3": 1, "N4": 1, "DMG": 1, "SBR": 1, "PAT": 1,
    "CLM": 1, "SV1": 1, "LX": 1, "CN1": 1, "CR1": 1, "CR3": 1, "QTY": 2, "HCP": 1, "PS1": 1,
})
MAX_LOOP = MappingProxyType({"2400": 50, "2300": 100})  # lines per claim, claims per HL

# Maximum number of elements per segment (X12 dictionary); also the set of known segment IDs.
MAX_ELEMENTS = MappingProxyType({
    "ISA": 16, "IEA": 2, "GS": 8, "GE": 2, "ST": 3, "SE": 2, "BHT": 6, "NM1": 12, "PER": 9,
    "HL": 4, "PRV": 6, "CUR": 21, "N3": 2, "N4": 7, "REF": 4, "SBR": 9, "PAT": 9, "DMG": 11,
    "CLM": 20, "DTP": 3, "PWK": 9, "CN1": 6, "AMT": 3, "K3": 3, "NTE": 2, "CR1": 10, "CR2": 12,
    "CRC": 7, "HI": 12, "HCP": 15, "CAS": 19, "OI": 6, "MOA": 9, "LX": 1, "SV1": 21, "CR3": 5,
    "QTY": 4, "MEA": 12, "PS1": 3, "LIN": 31, "CTP": 11, "SVD": 7, "LQ": 2, "FRM": 5,
})
ENVELOPE = frozenset({"ISA", "IEA", "GS", "GE", "ST", "SE"})

# Element specs: one token per element position, "usage.type.min.max=codes".
# usage R required, S situational, N not used (presence not checked), "." no check.
# type AN ID N0 R DT TM C (composite: only presence is checked here); DT/TM via the date rules.
_ELEMENTS = {
    "GS": "R.ID.2.2 R.AN.2.15 R.AN.2.15 R.DT.8.8 R.TM.4.8 R.N0.1.9 R.ID.1.2=X R.AN.1.12",
    "ST": "R.ID.3.3 R.AN.4.9 R.AN.1.35",
    "BHT": "R.ID.4.4=0019 R.ID.2.2=00,18 R.AN.1.50 R.DT.8.8 R.TM.4.8 R.ID.2.2=31,CH,RP",
    "NM1": "R.ID.2.3 R.ID.1.1=1,2 S.AN.1.60 S.AN.1.35 S.AN.1.25 . S.AN.1.10 S.ID.1.2 S.AN.2.80",
    "1000A.NM1": "R.ID.2.3 R.ID.1.1=1,2 R.AN.1.60 S.AN.1.35 S.AN.1.25 . . R.ID.1.2=46 R.AN.2.80",
    "1000B.NM1": "R.ID.2.3 R.ID.1.1=2 R.AN.1.60 . . . . R.ID.1.2=46 R.AN.2.80",
    "2010AA.NM1": "R.ID.2.3 R.ID.1.1=1,2 R.AN.1.60 S.AN.1.35 S.AN.1.25 . S.AN.1.10 R.ID.1.2=XX "
                  "R.AN.2.80",
    "2010BA.NM1": "R.ID.2.3 R.ID.1.1=1,2 R.AN.1.60 S.AN.1.35 S.AN.1.25 . S.AN.1.10 R.ID.1.2=MI,II "
                  "R.AN.2.80",
    "2010BB.NM1": "R.ID.2.3 R.ID.1.1=2 R.AN.1.60 . . . . R.ID.1.2=PI,XV R.AN.2.80",
    "2010CA.NM1": "R.ID.2.3 R.ID.1.1=1 R.AN.1.60 S.AN.1.35 S.AN.1.25 . S.AN.1.10",
    "2310B.NM1": "R.ID.2.3 R.ID.1.1=1,2 R.AN.1.60 S.AN.1.35 S.AN.1.25 . S.AN.1.10 S.ID.1.2=XX "
                 "S.AN.2.80",
    "PER": "R.ID.2.2=IC S.AN.1.60 S.ID.2.2=EM,FX,TE S.AN.1.256 S.ID.2.2=EM,EX,FX,TE S.AN.1.256 "
           "S.ID.2.2=EM,EX,FX,TE S.AN.1.256",
    "HL": "R.AN.1.12 S.AN.1.12 R.ID.1.2=20,22,23 S.ID.1.1=0,1",
    "PRV": "R.ID.1.3=BI,PE,PT,RF,SU R.ID.2.3=PXC R.AN.1.50",
    "N3": "R.AN.1.55 S.AN.1.55",
    "N4": "R.AN.2.30 S.ID.2.2 S.ID.3.15 S.ID.2.3 . . S.ID.1.3",
    "REF": "R.ID.2.3 R.AN.1.50",
    "SBR": "R.ID.1.1=A,B,C,D,E,F,G,H,P,S,T,U S.ID.2.2 S.AN.1.50 S.AN.1.60 S.ID.1.3 . . . "
           "S.ID.1.2",
    "2000B.SBR": "R.ID.1.1=A,B,C,D,E,F,G,H,P,S,T,U S.ID.2.2=18 S.AN.1.50 S.AN.1.60 S.ID.1.3 . . "
                 ". R.ID.1.2",
    "PAT": "S.ID.2.2=01,19,20,21,39,40,53,G8",
    "2000C.PAT": "R.ID.2.2=01,19,20,21,39,40,53,G8",
    "DMG": "R.ID.2.3=D8 R.AN.1.35 S.ID.1.1=F,M,U",
    "CLM": "R.AN.1.38 R.R.1.18 . . R.C R.ID.1.1=N,Y R.ID.1.1=A,B,C R.ID.1.1=N,W,Y R.ID.1.1=I,Y",
    "HI": "R.C",
    "LX": "R.N0.1.6",
    "SV1": "R.C R.R.1.18 R.ID.2.2=MJ,UN R.R.1.15 S.AN.1.2 . R.C",
    "DTP": "R.ID.3.3 R.ID.2.3=D8,RD8 R.AN.1.35",
    "SE": "R.N0.1.10 R.AN.4.9",
    "GE": "R.N0.1.6 R.N0.1.9",
    "IEA": "R.N0.1.5 R.N0.9.9",
}


def _compile(spec: str) -> tuple[tuple[int, str, str, int, int, frozenset[str] | None], ...]:
    out = []
    for pos, tok in enumerate(spec.split(), start=1):
        if tok in (".", "N"):
            continue
        body, _, codes = tok.partition("=")
        usage, typ, lo, hi = (body.split(".") + ["0", "0"])[:4]
        out.append((pos, usage, typ, int(lo), int(hi), frozenset(codes.split(",")) if codes else None))
    return tuple(out)


#: "SEG" or "LOOP.SEG" -> ((position, usage, type, min, max, codes|None), ...)
ELEMENTS = MappingProxyType({k: _compile(v) for k, v in _ELEMENTS.items()})

# ISA fixed widths (X12.5: every ISA element has min = max length) and fixed values.
ISA_WIDTHS = (2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1)
ISA_CODES = MappingProxyType({
    1: frozenset({"00", "03"}), 3: frozenset({"00", "01"}), 12: frozenset({"00501"}),
    14: frozenset({"0", "1"}), 15: frozenset({"P", "T"}),
})
# Diagnosis qualifiers of the 2300 HI (ICD-10: ABK principal, ABF other; ICD-9: BK, BF).
DX_QUALIFIERS = frozenset({"ABK", "ABF", "BK", "BF"})
# Composite components (TR3 element detail), one "usage.type.min.max" token per component, as
# for elements. SV1-01 (C003): qualifier, code, modifiers 1-4, then SV101-7 description, AN 1-80,
# situational: required for unlisted/NOC codes (e.g. 97799); SV101-8 is not used in the 837P.
# SV1-07 (C004): four diagnosis pointers. CLM-05 (C023): place of service, B, frequency.
_COMPONENTS = {
    ("SV1", 1): "R.ID.2.2 R.AN.1.48 S.AN.2.2 S.AN.2.2 S.AN.2.2 S.AN.2.2 S.AN.1.80",
    ("SV1", 7): "R.N0.1.2 S.N0.1.2 S.N0.1.2 S.N0.1.2",
    ("CLM", 5): "R.AN.1.2 R.ID.1.2 R.ID.1.1",
}
#: (segment ID, element position) -> ((component position, usage, type, min, max, None), ...)
COMPONENTS = MappingProxyType({k: _compile(v) for k, v in _COMPONENTS.items()})
#: (segment ID, element position) -> how many components the composite defines
MAX_COMPONENTS = MappingProxyType({k: len(v.split()) for k, v in _COMPONENTS.items()})
PHI_LOOPS = frozenset({"2010BA", "2010CA", "2330A", "2000B", "2000C"})
