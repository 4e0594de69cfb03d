"""Write docs/rules.md from the rule catalog (``--check``: exit 1 when the file is stale).

Usage: python tools/gen_rule_docs.py [--check]   (uses the installed claimkit)
"""
from __future__ import annotations

import sys
from pathlib import Path

from claimkit.rules.catalog import catalog_markdown

DOC = Path(__file__).resolve().parent.parent / "docs" / "rules.md"


def main(argv: list[str]) -> int:
    text = catalog_markdown()
    if "--check" in argv:
        current = DOC.read_text(encoding="utf-8") if DOC.is_file() else ""
        if current != text:
            print(f"{DOC} is out of date; run: python tools/gen_rule_docs.py", file=sys.stderr)
            return 1
        return 0
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(text, encoding="utf-8")
    print(f"wrote {DOC}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
