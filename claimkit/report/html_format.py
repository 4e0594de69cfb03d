"""A self-contained HTML page: summary counts and a table of every finding.

No scripts, fonts, images or style sheets from elsewhere (the page is opened from a CI artifact
or mailed, often offline), and every text from the input is escaped: a claim ID or a message may
carry ``<script>`` from a hostile file.
"""
from __future__ import annotations

from html import escape
from typing import Any

from claimkit.diagnostics import Severity
from claimkit.report import RULES_DOCS, failing, message_of

_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#1d1d1f;background:#fff}
h1{font-size:1.4em;margin:0 0 .4em}
.summary{display:flex;gap:1em;margin:0 0 1em;padding:0;list-style:none}
.summary li{padding:.4em .8em;border-radius:4px;background:#eef1f5}
.summary .error{background:#fde2e1}.summary .warning{background:#fff1cc}.summary .info{background:#e1effd}
table{border-collapse:collapse;width:100%}
th,td{border:1px solid #d0d4da;padding:.35em .5em;text-align:left;vertical-align:top}
th{background:#f3f4f6}
tr.error td.sev{color:#b00020;font-weight:600}tr.warning td.sev{color:#8a5a00;font-weight:600}
tr.info td.sev{color:#1a5fb4}
td.fix{color:#3a3a3c}
p.ok{padding:.6em;background:#e3f6e8}
"""


def _cell(text: Any, cls: str | None = None) -> str:
    attr = f' class="{cls}"' if cls else ""
    return f"<td{attr}>{escape(str(text or ''))}</td>"


def render(result: Any, *, show_phi: bool = False, fail_on: Severity = Severity.ERROR) -> str:
    """The whole page for a ValidationResult."""
    c = result.counts()
    failed = any(failing(d, fail_on) for d in result.diagnostics)
    rows = []
    for d in result.diagnostics:
        sev = d.severity.value
        link = f"{RULES_DOCS}#{d.rule.lower()}"
        rows.append(
            f'<tr class="finding {escape(sev)}" data-rule="{escape(d.rule)}">'
            f'<td class="rule"><a href="{escape(link)}">{escape(d.rule)}</a><br>'
            f"<small>{escape(d.slug)}</small></td>"
            + _cell(sev, "sev")
            + _cell(d.location.describe() or "(input)", "where")
            + _cell(message_of(d, show_phi=show_phi), "message")
            + _cell(d.fix, "fix")
            + "</tr>")
    files = "".join(f"<li>{escape(f.path)} ({escape(f.kind)}, {f.claims} claim(s))"
                    + (" - could not be read" if getattr(f, "error", None) else "") + "</li>"
                    for f in result.files)
    body = (
        "<table><thead><tr><th>Rule</th><th>Severity</th><th>Location</th><th>Message</th>"
        "<th>Fix</th></tr></thead><tbody>\n" + "\n".join(rows) + "\n</tbody></table>"
        if rows else '<p class="ok">No findings.</p>')
    verdict = "failed" if failed else "passed"
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        # No external asset may load even if a value slipped through: the policy blocks them all.
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'\">"
        f"<title>claimkit validation report ({verdict})</title><style>{_STYLE}</style></head>\n"
        f"<body><h1>claimkit validation report: {verdict}</h1>\n"
        f'<ul class="summary"><li class="error">{c["error"]} error(s)</li>'
        f'<li class="warning">{c["warning"]} warning(s)</li><li class="info">{c["info"]} info</li>'
        f"<li>{result.claim_count} claim(s) in {len(result.files)} file(s)</li>"
        f"<li>fails on {escape(fail_on.value)}</li></ul>\n"
        f"<h2>Files</h2><ul class=\"files\">{files}</ul>\n<h2>Findings</h2>\n{body}\n</body></html>\n")
