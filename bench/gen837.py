"""Generate a synthetic, valid N-claim 837P (005010X222A1) in the shape of the reference file.

Standalone on purpose (it does not use claimkit's writer): the benchmark input must not depend on
the code under test. Claims go 5,000 to a transaction set (the TR3's recommended maximum), each
with its own subscriber HL, 3-4 therapy lines, and synthetic names, member IDs and dates.
The output is streamed to the file, so generating 1,000,000 claims needs no memory.

    python bench/gen837.py --claims 10000 -o /tmp/bench-10k.x12
"""
from __future__ import annotations

import argparse
import contextlib
import os
import random
import sys
import tempfile
from datetime import date, timedelta
from typing import Iterator, TextIO

PER_ST = 5000
CODES = [("97110", 60), ("97140", 55), ("97112", 65), ("97530", 70), ("97124", 48)]
LAST = ["ALDER", "BIRCH", "CEDAR", "DOGWOOD", "ELM", "FIR", "HAZEL", "LARCH", "MAPLE", "OAK"]
FIRST = ["ALEX", "BLAIR", "CASEY", "DREW", "EMERY", "FINLEY", "GRAY", "HAYDEN", "JORDAN", "KAI"]
DX = ["M5450", "M6281", "S39012D", "M25511", "M62830", "M5416", "G8929", "M7918"]
RENDERING_NPIS = ["1679576722", "1245319599", "1083617542"]  # valid check digits (Luhn 80840)


def _header(st: int) -> list[str]:
    return [
        f"ST*837*{st:04d}*005010X222A1",
        f"BHT*0019*00*CKBENCH{st:05d}*20240603*1200*CH",
        "NM1*41*2*CLAIMKIT BILLING SERVICE*****46*CKSUB001",
        "PER*IC*JANE SMITH*TE*2175550100*EM*BILLING@EXAMPLE.COM",
        "NM1*40*2*ACME CLEARINGHOUSE*****46*ACMECLEARING",
        "HL*1**20*1",
        "PRV*BI*PXC*225100000X",
        "NM1*85*2*WELLNESS THERAPY GROUP*****XX*1234567893",
        "N3*123 MAIN STREET",
        "N4*SPRINGFIELD*IL*627011234",
        "REF*EI*371234567",
        "PER*IC*FRONT DESK*TE*2175550111",
    ]


def _claim(n: int, hl: int, rnd: random.Random, dependent: bool = False) -> list[str]:
    dos = date(2024, 4, 1) + timedelta(days=rnd.randrange(60))  # in the NCCI/MUE quarter
    d8 = dos.strftime("%Y%m%d")
    ndx = rnd.randint(1, 4)
    dx = rnd.sample(DX, ndx)
    nlines = rnd.randint(3, 4)
    lines, total = [], 0
    # 97140 and 97124 are an NCCI pair with modifier indicator 0: never both on one claim.
    left_out = rnd.choice(("97140", "97124"))
    allowed = [c for c in CODES if c[0] != left_out]
    for i, (code, fee) in enumerate(rnd.sample(allowed, nlines), start=1):
        units = rnd.randint(1, 3)
        charge = fee * units
        total += charge
        ptr = ":".join(str(p) for p in sorted(rnd.sample(range(1, ndx + 1), min(ndx, 2))))
        lines += [f"LX*{i}", f"SV1*HC:{code}:GP*{charge}*UN*{units}***{ptr}", f"DTP*472*D8*{d8}"]
    hi = "*".join(("ABK:" if i == 0 else "ABF:") + c for i, c in enumerate(dx))
    birth = date(1950, 1, 1) + timedelta(days=rnd.randrange(20000))
    segs = [
        f"HL*{hl}*1*22*{int(dependent)}",
        f"SBR*P*{'' if dependent else '18'}*GRP{n % 997:05d}******CI",
        f"NM1*IL*1*{rnd.choice(LAST)}*{rnd.choice(FIRST)}****MI*W{n:09d}",
        f"N3*{100 + n % 900} OAK AVENUE",
        "N4*SPRINGFIELD*IL*62704",
        f"DMG*D8*{birth.strftime('%Y%m%d')}*{rnd.choice('MF')}",
        "NM1*PR*2*EXAMPLE HEALTH PLAN*****PI*EHP01",
    ]
    if dependent:  # the patient is the subscriber's child: a 2000C patient loop under 2000B
        segs += [f"HL*{hl + 1}*{hl}*23*0", "PAT*19",
                 f"NM1*QC*1*{rnd.choice(LAST)}*{rnd.choice(FIRST)}", "N3*9 ELM STREET",
                 "N4*SPRINGFIELD*IL*62704", f"DMG*D8*{birth.strftime('%Y%m%d')}*F"]
    segs += [
        f"CLM*PT{n:07d}-{d8}*{total}***11:B:1*Y*A*Y*Y",
        f"HI*{hi}",
    ]
    if n % 2:
        segs += [f"NM1*82*1*RIVERA*MARIA****XX*{RENDERING_NPIS[n % 3]}", "PRV*PE*PXC*225100000X"]
    return segs + lines


def segments(claims: int, seed: int = 837, per_st: int | None = None,
             dependents: int = 0) -> Iterator[str]:
    """The file's segments (no terminators): ``claims`` claims, ``per_st`` claims per
    transaction set (default PER_ST, the TR3's limit); with ``dependents`` N, every N-th claim
    is for the subscriber's child (a 2000C patient loop)."""
    per_st = per_st or PER_ST
    rnd = random.Random(seed)
    sts = max(1, -(-claims // per_st))
    yield ("ISA*00*          *00*          *ZZ*CLAIMKITSUB    *ZZ*ACMECLEARING   *240603*1200*^*"
           "00501*000000101*1*T*:")
    yield "GS*HC*CLAIMKITSUB*ACMECLEARING*20240603*1200*101*X*005010X222A1"
    n = 0
    for st in range(1, sts + 1):
        body = _header(st)
        count = len(body)
        yield from body
        hl = 2
        for _ in range(min(per_st, claims - n)):
            n += 1
            dependent = dependents > 0 and n % dependents == 0
            segs = _claim(n, hl, rnd, dependent)
            hl += 2 if dependent else 1
            count += len(segs)
            yield from segs
        yield f"SE*{count + 1}*{st:04d}"
    yield f"GE*{sts}*101"
    yield "IEA*1*000000101"


def write(out: TextIO, claims: int, seed: int = 837, per_st: int | None = None) -> None:
    buf: list[str] = []
    for s in segments(claims, seed, per_st):
        buf.append(s + "~\n")
        if len(buf) >= 4096:
            out.write("".join(buf))
            buf.clear()
    out.write("".join(buf))


@contextlib.contextmanager
def input_file(path: str | None, claims: int, per_st: int | None = None) -> Iterator[str]:
    """PATH itself, or (None) a temporary file of CLAIMS generated claims, removed afterwards:
    what the benchmarks validate."""
    if path is not None:
        yield path
        return
    with tempfile.NamedTemporaryFile("w", suffix=".x12", delete=False, encoding="ascii",
                                     newline="") as tmp:
        write(tmp, claims, per_st=per_st)
    try:
        yield tmp.name
    finally:
        os.unlink(tmp.name)


def pyx12_validate(path: str) -> bool:
    """pyx12's verdict on PATH through its Python API, as its x12valid script runs it (the
    999 it writes is kept in memory)."""
    import io
    import logging

    import pyx12.params
    import pyx12.x12n_document

    logging.disable(logging.CRITICAL)
    try:
        return bool(pyx12.x12n_document.x12n_document(pyx12.params.params(), path,
                                                      io.StringIO(), None))
    finally:
        logging.disable(logging.NOTSET)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--claims", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=837)
    ap.add_argument("-o", "--output", default="-")
    a = ap.parse_args(argv)
    if a.output == "-":
        write(sys.stdout, a.claims, a.seed)
    else:
        with open(a.output, "w", encoding="ascii", newline="") as fh:
            write(fh, a.claims, a.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
