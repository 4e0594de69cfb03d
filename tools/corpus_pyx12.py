"""Maintainer tool: regenerate tests/corpus/expected.json, pyx12's record for every corpus file.

    python tools/corpus_pyx12.py           # rewrite expected.json
    python tools/corpus_pyx12.py --check   # exit 1 if expected.json is not what pyx12 says now

The record (verdict, IK3/IK4 error segments, IK5/AK9, pyx12's error messages) comes from
tests/corpus/oracle.py, the module the corpus tests use, so the file is never hand-typed.
"""
from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

ORACLE = Path(__file__).resolve().parent.parent / "tests" / "corpus" / "oracle.py"


def load_oracle():
    spec = importlib.util.spec_from_file_location("corpus_oracle", ORACLE)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="compare instead of writing")
    args = ap.parse_args(argv)
    oracle = load_oracle()
    text = oracle.dump(oracle.expected_record())
    if args.check:
        current = oracle.EXPECTED.read_text() if oracle.EXPECTED.is_file() else ""
        if current != text:
            print(f"{oracle.EXPECTED} is stale: run python tools/corpus_pyx12.py", file=sys.stderr)
            return 1
        print(f"{oracle.EXPECTED} is current")
        return 0
    oracle.EXPECTED.write_text(text)
    print(f"wrote {oracle.EXPECTED} ({len(oracle.corpus_files())} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
