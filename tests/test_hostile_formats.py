"""Hostile 837P files and code-set import files (issue 13, deliverable 1): the formats
tests/test_hostile.py does not run.

Each case runs the console script in a child process under a 1 GB address-space limit and a
time limit, and asserts the exit code, no traceback, no partial output, the input unchanged
and (for the code-set store) a store `codeset verify` accepts, unchanged. The 837P corpus is
tests/hostile/x12/ (tools/make_hostile.py); zip bombs and big files are made here.
"""
from __future__ import annotations

import hashlib
import json
import os
import resource
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

HOSTILE = Path(__file__).resolve().parent / "hostile"
META = json.loads((HOSTILE / "expect.json").read_text())
X12_CASES = sorted(META["x12"])
SAMPLES = Path(__file__).resolve().parent / "data" / "codesets"
PHI = META["phi"]
TIME_LIMIT = 60.0
MEMORY = 2**30  # RLIMIT_AS for the child: a MemoryError or a kill fails the case


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def claimkit(*args: object, cwd: Path) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("claimkit")
    env = dict(os.environ, NO_COLOR="1")
    return subprocess.run([str(exe), *map(str, args)], capture_output=True, text=True, cwd=cwd,
                          timeout=TIME_LIMIT, preexec_fn=_limit, env=env)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with its hash (the store's state)."""
    return {p.relative_to(folder).as_posix(): digest(p) for p in sorted(folder.rglob("*")) if p.is_file()}


def no_crash(proc: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in proc.stderr and "Error:" not in proc.stderr.replace("error:", ""), proc.stderr
    assert proc.returncode in (0, 1, 2), (proc.returncode, proc.stderr)


def one_line_refusal(proc: subprocess.CompletedProcess, *words: str) -> str:
    no_crash(proc)
    message = proc.stderr.strip()
    assert proc.returncode == 2, message
    assert len(message.splitlines()) == 1 and message.startswith("error: "), message
    for w in words:
        assert w in message, message
    return message


# --- 837P ------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", X12_CASES)
def test_hostile_837p_gets_its_finding_and_the_right_exit(tmp_path, name):
    want_exit, rule = META["x12"][name]
    src = tmp_path / name
    src.write_bytes((HOSTILE / "x12" / name).read_bytes())
    before = digest(src)
    report = tmp_path / "out" / "report.json"
    report.parent.mkdir()
    proc = claimkit("validate", src, "-f", "json", "-o", report, cwd=tmp_path)
    no_crash(proc)
    assert proc.returncode == want_exit, proc.stderr
    assert digest(src) == before
    found = json.loads(report.read_text())  # complete: it parses, and lists the rule
    assert rule in {f["rule"] for f in found["findings"]}
    assert [p.name for p in report.parent.iterdir()] == ["report.json"]  # no temp file left
    for value in PHI:
        assert value not in proc.stderr
    if want_exit == 0:  # a warning: it fails a run that asks warnings to fail
        strict = claimkit("validate", src, "--fail-on", "warning", cwd=tmp_path)
        assert strict.returncode == 1, strict.stderr


def test_837p_without_segment_terminators_is_read_in_bounded_memory(tmp_path):
    """One 'segment' of 60 MB (no terminator after the ISA): a finding, not a MemoryError."""
    ref = (Path(__file__).resolve().parent / "x12" / "cases" / "reference.x12").read_text()
    src = tmp_path / "noterm.x12"
    with open(src, "w") as fh:
        fh.write(ref[:106] + "NM1*")
        for _ in range(60):
            fh.write("A" * 2**20)
    report = tmp_path / "report.json"
    proc = claimkit("validate", src, "-f", "json", "-o", report, cwd=tmp_path)
    no_crash(proc)
    assert proc.returncode == 1
    assert "CK-X014" in {f["rule"] for f in json.loads(report.read_text())["findings"]}


# --- code-set import files -------------------------------------------------------------------
@pytest.fixture
def store(tmp_path) -> Path:
    path = tmp_path / "store"
    proc = claimkit("codeset", "import", "icd10cm", SAMPLES / "icd10cm_order_2099.txt", "--store", path,
                    cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    return path


def _bomb(path: Path, member: str, mib: int) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open(member, "w", force_zip64=True) as fh:
            block = b"0" * 2**20
            for _ in range(mib):
                fh.write(block)
    return path


def _codeset_case(tmp_path: Path, kind: str) -> tuple[Path, list[str]]:
    """(file to import, words the refusal must contain)."""
    if kind == "zip-bomb":  # 1 GB of zeros in about 1 MB
        return _bomb(tmp_path / "icd10cm_2099.zip", "icd10cm_codes_2099.txt", 1024), ["128 MB limit"]
    if kind == "zip-corrupt":
        good = _bomb(tmp_path / "g.zip", "icd10cm_codes_2099.txt", 1)
        bad = tmp_path / "icd10cm_2099.zip"
        data = good.read_bytes()
        bad.write_bytes(data[:30] + b"\xff" * 64 + data[94:])  # the deflate stream is garbage
        return bad, ["zip"]
    if kind == "file-too-big":  # sparse: no disk, no time
        big = tmp_path / "icd10cm_codes_2099.txt"
        with open(big, "wb") as fh:
            fh.truncate(200 * 2**20)
        return big, ["128 MB limit"]
    if kind == "long-line":
        src = tmp_path / "icd10cm_codes_2099.txt"
        src.write_text("A000    " + "X" * (8 * 2**20) + "\n")
        return src, ["line 1"]
    if kind == "binary":
        src = tmp_path / "icd10cm_codes_2099.txt"
        src.write_bytes(bytes(range(256)) * 64)
        return src, ["line"]
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["zip-bomb", "zip-corrupt", "file-too-big", "long-line", "binary"])
def test_hostile_codeset_file_is_refused_and_the_store_kept(tmp_path, store, kind):
    src, words = _codeset_case(tmp_path, kind)
    before, store_before = digest(src), tree(store)
    proc = claimkit("codeset", "import", "icd10cm", src, "--store", store, "--release", "FY2099b",
                    "--effective-from", "2098-10-01", cwd=tmp_path)
    one_line_refusal(proc, src.name, *words)
    assert digest(src) == before
    assert tree(store) == store_before  # no half-imported release, no .import-* left
    verify = claimkit("codeset", "verify", "--store", store, cwd=tmp_path)
    assert verify.returncode == 0, verify.stderr


def test_zip_member_named_outside_the_store_writes_nothing_outside(tmp_path, store):
    """Members are read, never extracted: ../../ in a name cannot place a file anywhere."""
    text = (SAMPLES / "icd10cm_codes_2099.txt").read_bytes()
    src = tmp_path / "in" / "icd10cm_2099.zip"
    src.parent.mkdir()
    with zipfile.ZipFile(src, "w") as zf:
        zf.writestr("../../../escaped/icd10cm_codes_2099.txt", text)
    outside = {p for p in tmp_path.rglob("*") if p.is_file() and store not in p.parents}
    proc = claimkit("codeset", "import", "icd10cm", src, "--store", store, "--release", "FY2099b",
                    "--effective-from", "2098-10-01", cwd=tmp_path / "in")
    no_crash(proc)
    assert proc.returncode == 0, proc.stderr
    assert {p for p in tmp_path.rglob("*") if p.is_file() and store not in p.parents} == outside
    assert not (tmp_path / "escaped").exists() and not Path("/escaped").exists()
    assert claimkit("codeset", "verify", "--store", store, cwd=tmp_path).returncode == 0


def test_a_release_name_cannot_leave_the_store(tmp_path, store):
    store_before = tree(store)
    proc = claimkit("codeset", "import", "icd10cm", SAMPLES / "icd10cm_codes_2099.txt", "--store", store,
                    "--release", "../../escaped", cwd=tmp_path)
    one_line_refusal(proc, "release name")
    assert tree(store) == store_before and not (tmp_path / "escaped").exists()


def test_a_csv_code_set_with_an_over_long_cell_is_one_line(tmp_path, store):
    src = tmp_path / "procedure.csv"
    src.write_text("code,time_model,initial_minutes,therapy,effective_from,replacements,label\n"
                   "97110,per15,,PT,2020-01-01,," + "x" * 200_000 + "\n")
    store_before = tree(store)
    proc = claimkit("codeset", "import", "procedure", src, "--store", store, "--release", "R1",
                    "--effective-from", "2025-01-01", cwd=tmp_path)
    one_line_refusal(proc, "procedure.csv: line 2")
    assert tree(store) == store_before
