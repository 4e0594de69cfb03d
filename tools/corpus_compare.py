"""Compare claimkit with pyx12 on the 837P corpus (tests/corpus/x12).

For every file: pyx12's error segments (999 IK3s and its envelope errors, by 1-based segment
position in the file), claimkit's error-level findings (by ``Location.segment_index``), the
share of pyx12's error segments that claimkit also flags (at the same segment as an error; and
by defect, see SAME_DEFECT), the disagreements both ways, and
whether claimkit's own ``--ack 999`` and ``--ack 277ca`` for the file pass pyx12 (005010X231A1
and 005010X214). claimkit runs through its CLI in this process (``claimkit validate FILE
--format json``), from an empty directory so no claimkit.toml is picked up.

    python tools/corpus_compare.py             # text report
    python tools/corpus_compare.py --json      # the same as JSON
    python tools/corpus_compare.py -k tr3_     # only files whose name contains tr3_
"""
from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import re
import sys
import tempfile
import traceback
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


oracle = _load("corpus_oracle", ROOT / "tests" / "corpus" / "oracle.py")


@contextlib.contextmanager
def _in_empty_dir():
    old = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        try:
            yield Path(tmp)
        finally:
            os.chdir(old)


def _invoke(args: list[str]) -> tuple[int | None, str, str, str | None]:
    """Run the claimkit CLI in this process: (exit code, stdout, stderr, traceback or None)."""
    from typer.testing import CliRunner

    from claimkit.cli.app import app

    res = CliRunner().invoke(app, args)
    tb = None
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        tb = "".join(traceback.format_exception(type(res.exception), res.exception,
                                                res.exception.__traceback__))
    return res.exit_code, res.stdout, res.stderr, tb


def claimkit_run(path: Path) -> dict[str, Any]:
    """claimkit's findings for one file, plus its 999 and 277CA checked by pyx12."""
    with _in_empty_dir() as tmp:
        code, out, err, tb = _invoke(["validate", str(path), "--format", "json", "-j", "1"])
        result: dict[str, Any] = {"exit": code, "crash": tb, "stderr": err.strip()[-400:],
                                  "findings": [], "all_findings": []}
        if tb is None and code in (0, 1):
            report = json.loads(out)
            result["findings"] = [f for f in report["findings"] if f["severity"] == "error"]
            result["all_findings"] = report["findings"]
        acks = {}
        for kind in ("999", "277ca"):
            target = tmp / f"ack.{kind}"
            acode, _o, aerr, atb = _invoke(["validate", str(path), "--ack", kind, "-o", str(target),
                                            "-j", "1"])
            if atb is not None or acode not in (0, 1) or not target.is_file():
                acks[kind] = {"written": False, "exit": acode, "crash": atb,
                              "stderr": aerr.strip()[-300:]}
                continue
            rec = oracle.pyx12_record(target)
            acks[kind] = {"written": True, "pyx12_accepted": rec["accepted"],
                          "pyx12_crash": rec["crash"],
                          "pyx12_errors": [m for _l, _s, m in rec["log_errors"]][:5]}
        result["acks"] = acks
    return result


_VALUE = re.compile(r"\((?![A-Z][A-Z0-9]{1,2}\d\d(-\d+)?\))[^)]*\)|'[^']*'|\"[^\"]*\"|\b\d+(\.\d+)?\b")


def _pyx12_kind(msg: str) -> str:
    """A pyx12 error message without its position and values, to group alike errors."""
    msg = re.sub(r"^Line:\d+ (\w+:\d+ )?- ", "", msg)
    return _VALUE.sub("_", msg).strip()


# The same defect, reported by the two tools at different segments or severities. Each entry:
# a pyx12 message pattern, the claimkit rules that report that defect, and where claimkit puts
# it: "file" (once per file, anywhere), "before" / "after" (at or before / after pyx12's
# segment, in the same transaction set) or "later" (after it, anywhere: GS..GE spans sets).
# Why the anchors differ:
# - leading blanks: claimkit warns once per file (CK-X021; the issue asks for a warning, and a
#   finding per segment would drown the report); pyx12 reports every segment.
# - SE01/GE01 counts: a transaction-set/group-level error (999 IK5-02 code 4, AK905 code 5,
#   no IK3), which pyx12 places at ST/GS and claimkit at the SE/GE that states the count.
# - a missing mandatory segment: claimkit reports it at the loop that lacks it (its trigger
#   segment), pyx12 at the segment where it noticed (the next one).
# - HL/LX numbering: claimkit flags the HL/LX whose number or parent is wrong, pyx12 the one
#   where its own count first disagrees.
SAME_DEFECT: tuple[tuple[re.Pattern[str], frozenset[str], str], ...] = (
    (re.compile(r"leading space"), frozenset({"CK-X021"}), "file"),
    (re.compile(r"trailing element terminators"), frozenset({"CK-X023"}), "before"),
    (re.compile(r"SE count of"), frozenset({"CK-X011"}), "after"),
    (re.compile(r"GE count of"), frozenset({"CK-X012"}), "later"),
    (re.compile(r"Mandatory (segment|loop)"), frozenset({"CK-G001"}), "before"),
    (re.compile(r"HL count|HL parent"), frozenset({"CK-G006", "CK-G007", "CK-G008"}),
     "before"),
    (re.compile(r"Service Line Number"), frozenset({"CK-G009"}), "before"),
)


def _same_defect(pos: int, messages: list[str], findings: list[dict[str, Any]],
                 starts: list[int]) -> str | None:
    """The claimkit rule that reports pyx12's defect at ``pos`` elsewhere (SAME_DEFECT), if any."""
    st = max((s for s in starts if s <= pos), default=0)
    nxt = min((s for s in starts if s > pos), default=10 ** 9)
    for msg in messages:
        for pattern, rules, where in SAME_DEFECT:
            if not pattern.search(msg):
                continue
            # a missing segment: claimkit's finding must name the same segment ID
            named = re.search(r"\(([A-Z][A-Z0-9]{1,2})(=[^)]*)?\) missing", msg)
            for f in findings:
                if named and named.group(1) not in f["message"]:
                    continue
                at = f["location"].get("segment_index") or 0
                if f["rule"] in rules and (where == "file" or (where == "later" and at >= pos) or (
                        st <= at < nxt and (at <= pos if where == "before" else at >= pos))):
                    return f["rule"]
    return None


def compare_file(path: Path) -> dict[str, Any]:
    rec = oracle.pyx12_record(path)
    ours = claimkit_run(path)
    theirs = oracle.error_positions(rec)  # position -> segment ID
    messages: dict[int, list[str]] = defaultdict(list)
    for line, _seg, msg in rec["log_errors"]:
        if line:
            messages[line].append(msg)
    flagged: dict[int, list[dict[str, Any]]] = defaultdict(list)
    unplaced = []
    for f in ours["findings"]:
        pos = f["location"].get("segment_index")
        (flagged[pos] if pos else unplaced).append(f)
    both = sorted(set(theirs) & set(flagged))
    pyx12_only = [{"position": p, "segment": theirs[p], "pyx12": messages.get(p, [])}
                  for p in theirs if p not in flagged]
    claimkit_only = [{"position": p, "segment": fs[0]["location"].get("segment_id"),
                      "loop": fs[0]["location"].get("loop"),
                      "claimkit": [f"{f['rule']} {f['slug']}: {f['message']}" for f in fs]}
                     for p, fs in sorted(flagged.items()) if p not in theirs]
    # by defect: the same segment at any severity, or the same defect anchored elsewhere
    at_any = {f["location"].get("segment_index") for f in ours["all_findings"]}
    starts = sorted(f["location"].get("segment_index") or 0 for f in ours["all_findings"]
                    if f["location"].get("segment_id") == "ST")
    starts = sorted(set(starts) | {p for p, sid in theirs.items() if sid == "ST"})
    by_defect = {}
    for p in theirs:
        if p in flagged:
            continue
        how = ("same segment, warning" if p in at_any else
               _same_defect(p, messages.get(p, []), ours["all_findings"], starts))
        if how:
            by_defect[p] = how
    return {"file": path.name, "pyx12_accepted": rec["accepted"], "pyx12_crash": rec["crash"],
            "claimkit_exit": ours["exit"], "claimkit_crash": ours["crash"],
            "claimkit_stderr": ours["stderr"] if ours["exit"] not in (0, 1) else "",
            "pyx12_segments": theirs, "claimkit_segments": {p: fs[0]["location"].get("segment_id")
                                                            for p, fs in sorted(flagged.items())},
            "claimkit_unplaced": [f"{f['rule']} {f['slug']}: {f['message']}" for f in unplaced],
            "both": both, "pyx12_only": pyx12_only, "claimkit_only": claimkit_only,
            "share": (len(both) / len(theirs)) if theirs else None, "acks": ours["acks"],
            "by_defect": by_defect}


def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    total = sum(len(r["pyx12_segments"]) for r in rows)
    hit = sum(len(r["both"]) for r in rows)
    missed: dict[str, list[str]] = defaultdict(list)
    extra: dict[str, list[str]] = defaultdict(list)
    for r in rows:
        for d in r["pyx12_only"]:
            kinds = {_pyx12_kind(m) for m in d["pyx12"]} or {"(in the 999 only)"}
            for k in kinds:
                missed[f"{d['segment']}: {k}"].append(f"{r['file']}:{d['position']}")
        for d in r["claimkit_only"]:
            for c in d["claimkit"]:
                rule = c.split(":", 1)[0]
                extra[f"{d['segment']} ({d['loop']}): {rule}"].append(f"{r['file']}:{d['position']}")
    acks = {k: {"written": sum(1 for r in rows if r["acks"][k]["written"]),
                "pyx12_accepted": sum(1 for r in rows if r["acks"][k].get("pyx12_accepted"))}
            for k in ("999", "277ca")}
    same = sum(len(r["by_defect"]) for r in rows)
    how: dict[str, int] = defaultdict(int)
    for r in rows:
        for v in r["by_defect"].values():
            how[v] += 1
    return {"files": len(rows), "pyx12_error_segments": total, "claimkit_also_flags": hit,
            "same_defect_elsewhere": same, "same_defect_how": dict(sorted(how.items())),
            "share_by_defect": ((hit + same) / total) if total else None,
            "share": (hit / total) if total else None,
            "pyx12_crashes": [r["file"] for r in rows if r["pyx12_crash"]],
            "claimkit_crashes": [r["file"] for r in rows
                                 if r["claimkit_crash"] or r["claimkit_exit"] not in (0, 1)],
            "missed_by_claimkit": dict(sorted(missed.items(), key=lambda kv: (-len(kv[1]), kv[0]))),
            "claimkit_only": dict(sorted(extra.items(), key=lambda kv: (-len(kv[1]), kv[0]))),
            "acks": acks}


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.0f}%"


def text_report(rows: list[dict[str, Any]], summary: dict[str, Any]) -> str:
    out = []
    for r in rows:
        verdict = "crash" if r["pyx12_crash"] else ("accepted" if r["pyx12_accepted"] else "rejected")
        out.append(f"== {r['file']}: pyx12 {verdict}, claimkit exit {r['claimkit_exit']}, "
                   f"share {_pct(r['share'])}")
        if r["pyx12_crash"]:
            out.append(f"   pyx12 raised: {r['pyx12_crash']}")
        if r["claimkit_crash"]:
            out.append("   CLAIMKIT CRASHED:\n" + r["claimkit_crash"])
        elif r["claimkit_exit"] not in (0, 1):
            out.append(f"   claimkit exit {r['claimkit_exit']}: {r['claimkit_stderr']}")
        out.append("   pyx12 error segments:    "
                   + (", ".join(f"{p} {s}" for p, s in r["pyx12_segments"].items()) or "-"))
        out.append("   claimkit error segments: "
                   + (", ".join(f"{p} {s}" for p, s in r["claimkit_segments"].items()) or "-"))
        for d in r["pyx12_only"]:
            seen = r["by_defect"].get(d["position"])
            out.append(f"   pyx12 only   {d['position']} {d['segment']}"
                       + (f" [same defect: {seen}]" if seen else "") + ": "
                       + ("; ".join(d["pyx12"]) or "(999 only)"))
        for d in r["claimkit_only"]:
            out.append(f"   claimkit only {d['position']} {d['segment']}: " + "; ".join(d["claimkit"]))
        for u in r["claimkit_unplaced"]:
            out.append(f"   claimkit (no segment): {u}")
        acks = "; ".join(
            f"{k}: " + ("pyx12 accepts" if a.get("pyx12_accepted") else
                        "not written" if not a["written"] else
                        f"pyx12 rejects ({'; '.join(a['pyx12_errors'][:2]) or a['pyx12_crash']})")
            for k, a in r["acks"].items())
        out.append(f"   acks: {acks}")
    s = summary
    out += ["", "== TOTAL",
            f"files: {s['files']}; pyx12 error segments: {s['pyx12_error_segments']}; "
            f"claimkit also flags: {s['claimkit_also_flags']} ({_pct(s['share'])}) at the same "
            f"segment as an error",
            f"by defect (also: the same segment as a warning, or the same defect where claimkit "
            f"anchors it, see SAME_DEFECT): {s['claimkit_also_flags'] + s['same_defect_elsewhere']}"
            f" ({_pct(s['share_by_defect'])}); "
            + ", ".join(f"{k}: {v}" for k, v in s["same_defect_how"].items()),
            f"pyx12 crashed on: {', '.join(s['pyx12_crashes']) or '-'}",
            f"claimkit crashed / exit 2 on: {', '.join(s['claimkit_crashes']) or '-'}",
            f"claimkit 999 accepted by pyx12: {s['acks']['999']['pyx12_accepted']}/{s['files']} "
            f"(written {s['acks']['999']['written']}); 277CA: "
            f"{s['acks']['277ca']['pyx12_accepted']}/{s['files']} (written {s['acks']['277ca']['written']})",
            "", "-- pyx12 flags, claimkit does not (by kind):"]
    for k, where in s["missed_by_claimkit"].items():
        out.append(f"  [{len(where)}] {k}\n        {', '.join(where)}")
    out += ["", "-- claimkit flags (error), pyx12 does not (by segment and rule):"]
    for k, where in s["claimkit_only"].items():
        out.append(f"  [{len(where)}] {k}\n        {', '.join(where)}")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="JSON instead of text")
    ap.add_argument("-k", dest="only", help="only files whose name contains this")
    args = ap.parse_args(argv)
    files = [p for p in oracle.corpus_files() if not args.only or args.only in p.name]
    rows = [compare_file(p.resolve()) for p in files]
    summary = summarize(rows)
    if args.json:
        sys.stdout.write(json.dumps({"files": rows, "summary": summary}, indent=1) + "\n")
    else:
        sys.stdout.write(text_report(rows, summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
