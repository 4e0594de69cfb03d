"""JUnit XML (the Ant/Surefire shape GitLab and Jenkins read): a testsuite per input file and a
testcase per claim; a claim fails when it has a finding at or above ``fail_on``. Findings that
belong to no claim (envelope, file) go to a testcase named after the file itself."""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from lxml import etree

from claimkit.diagnostics import Diagnostic, Severity
from claimkit.report import failing, message_of

FILE_CASE = "(file)"


def _line(d: Diagnostic, show_phi: bool) -> str:
    where = d.location.describe()
    fix = f" (fix: {d.fix})" if d.fix else ""
    return f"{d.severity.value} {d.rule} [{d.slug}] {where}: {message_of(d, show_phi=show_phi)}{fix}"


def render(result: Any, *, show_phi: bool = False, fail_on: Severity = Severity.ERROR) -> str:
    """The findings as JUnit XML: a test case per claim (and per file), a failure per failing finding."""
    by_case: dict[tuple[str, str], list[Diagnostic]] = defaultdict(list)
    for d in result.diagnostics:
        by_case[(d.location.file or "", d.location.claim_id or FILE_CASE)].append(d)
    root = etree.Element("testsuites", name="claimkit validate")
    total_tests = total_failures = 0
    for f in result.files:
        cases = [FILE_CASE] + [c for c in f.claim_ids if c != FILE_CASE]
        # Findings on claims the file could not list (e.g. a claim ID from a broken segment).
        cases += [cid for (fname, cid) in by_case if fname == f.path and cid not in cases]
        suite = etree.SubElement(root, "testsuite", name=f.path)
        failures = 0
        for cid in cases:
            found = by_case.get((f.path, cid), [])
            case = etree.SubElement(suite, "testcase", name=cid if cid != FILE_CASE else f.path,
                                    classname=f"claimkit.{f.kind}")
            bad = [d for d in found if failing(d, fail_on)]
            if bad:
                failures += 1
                fail = etree.SubElement(case, "failure", message=message_of(bad[0], show_phi=show_phi),
                                        type=bad[0].rule)
                fail.text = "\n".join(_line(d, show_phi) for d in bad)
            rest = [d for d in found if not failing(d, fail_on)]
            if rest:
                etree.SubElement(case, "system-out").text = "\n".join(_line(d, show_phi) for d in rest)
        suite.set("tests", str(len(cases)))
        suite.set("failures", str(failures))
        suite.set("errors", "0")
        suite.set("skipped", "0")
        total_tests += len(cases)
        total_failures += failures
    root.set("tests", str(total_tests))
    root.set("failures", str(total_failures))
    root.set("errors", "0")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True).decode("utf-8")
