"""pyx12 on the corpus files: the oracle record kept in tests/corpus/expected.json.

One function, :func:`pyx12_record`, runs pyx12 through its Python API (as ``run_pyx12`` in
tests/conftest.py does) and returns what it found in a form that does not change from run to
run (no dates or control numbers of the 999 it writes):

* ``accepted``: pyx12's verdict (the return value of ``x12n_document``);
* ``crash``: ``"ExceptionType: message"`` when pyx12 raised instead of answering, else None;
* ``errors``: one entry per IK3 of the 999 (segment ID, position in the transaction set, the
  loop pyx12 names in IK303 (it leaves it empty), IK304 code, the segment's 1-based position in
  the file) with its IK4s (element position, reference number, code, bad value);
* ``ik5`` / ``ak9``: the transaction set and group responses other than accept;
* ``log_errors``: pyx12's error messages as ``[file segment position, segment ID, message]``;
  they carry the envelope errors (ISA/GS/GE/IEA) that a 999 has no place for.

:func:`error_positions` gives the 1-based file positions of the segments pyx12 reports, the unit
the comparison with claimkit uses (claimkit's ``Location.segment_index`` counts the same way:
ISA is 1, whitespace between segments does not count).

The tool ``tools/corpus_pyx12.py`` rewrites expected.json with this module; the corpus tests
check that the record is current.
"""
from __future__ import annotations

import io
import json
import logging
import re
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
X12_DIR = HERE / "x12"
SOURCES = HERE / "sources.json"
EXPECTED = HERE / "expected.json"

_LINE = re.compile(r"^Line:(\d+)\b")


def corpus_files() -> list[Path]:
    return sorted(p for p in X12_DIR.iterdir() if p.is_file())


def segment_ids(text: str) -> list[str]:
    """Segment IDs in file order (index 0 is file position 1), by the ISA's own delimiters."""
    start = text.find("ISA")
    if start < 0 or len(text) < start + 106:
        return []
    element, term = text[start + 3], text[start + 105]
    out = []
    for raw in text[start:].split(term):
        raw = raw.strip()
        if raw:
            out.append(raw.split(element, 1)[0])
    return out


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _run(path: Path) -> tuple[bool, str | None, str, list[str]]:
    import pyx12.params
    import pyx12.x12n_document

    logger = logging.getLogger("pyx12")
    handler = _Collect()
    saved = (logger.level, logger.propagate, logging.root.manager.disable)
    logger.addHandler(handler)
    logger.setLevel(logging.ERROR)
    logger.propagate = False
    logging.disable(logging.NOTSET)
    ack = io.StringIO()
    crash = None
    try:
        ok = bool(pyx12.x12n_document.x12n_document(pyx12.params.params(), str(path), ack, None))
    except Exception as exc:  # pyx12 raises on some inputs; that is a finding, not our error
        ok, crash = False, f"{type(exc).__name__}: {exc}"
    finally:
        logger.removeHandler(handler)
        logger.setLevel(saved[0])
        logger.propagate = saved[1]
        logging.disable(saved[2])
    return ok, crash, ack.getvalue(), handler.messages


def pyx12_record(path: Path) -> dict[str, Any]:
    """pyx12's verdict and error segments for one X12 file (see the module docstring)."""
    ok, crash, ack, messages = _run(path)
    text = path.read_text(encoding="latin-1")
    ids = segment_ids(text)
    st_positions = [i + 1 for i, s in enumerate(ids) if s == "ST"]
    errors: list[dict[str, Any]] = []
    ik5: list[str] = []
    ak9 = None
    ts = -1  # index of the current AK2 (transaction set) in file order
    for seg in (s.strip() for s in ack.split("~")):
        parts = seg.split("*")
        tag = parts[0]
        if tag == "AK2":
            ts += 1
        elif tag == "IK3":
            pos = int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else None
            file_pos = (st_positions[ts] + pos - 1
                        if pos is not None and 0 <= ts < len(st_positions) else None)
            errors.append({"segment": parts[1] if len(parts) > 1 else "", "position": pos,
                           "loop": parts[3] if len(parts) > 3 else "",
                           "code": parts[4] if len(parts) > 4 else "",
                           "file_position": file_pos, "elements": []})
        elif tag == "IK4" and errors:
            errors[-1]["elements"].append({"position": parts[1] if len(parts) > 1 else "",
                                           "element": parts[2] if len(parts) > 2 else "",
                                           "code": parts[3] if len(parts) > 3 else "",
                                           "value": parts[4] if len(parts) > 4 else None})
        elif tag == "IK5" and seg != "IK5*A":
            ik5.append(seg)
        elif tag == "AK9" and not seg.startswith("AK9*A"):
            ak9 = seg
    log_errors = []
    for msg in messages:
        m = _LINE.match(msg)
        line = int(m.group(1)) if m else None
        seg_id = ids[line - 1] if line and line <= len(ids) else None
        log_errors.append([line, seg_id, msg])
    return {"accepted": ok, "crash": crash, "errors": errors, "ik5": ik5, "ak9": ak9,
            "log_errors": log_errors}


def error_positions(record: dict[str, Any]) -> dict[int, str]:
    """File position -> segment ID of every segment pyx12 reports (999 IK3s and log errors)."""
    out: dict[int, str] = {}
    for e in record["errors"]:
        if e["file_position"]:
            out[e["file_position"]] = e["segment"]
    for line, seg_id, _msg in record["log_errors"]:
        if line:
            out.setdefault(line, seg_id or "?")
    return dict(sorted(out.items()))


def expected_record() -> dict[str, Any]:
    """pyx12's record for every corpus file, keyed by file name (what expected.json holds)."""
    return {p.name: pyx12_record(p) for p in corpus_files()}


def dump(data: Any) -> str:
    return json.dumps(data, indent=1, sort_keys=True) + "\n"
