"""The CLI is a front end of the public API (issue 13 item 6): cli/*.py import ``claimkit``
itself, never its internal modules, apart from the short allow-list below. Policy (what an
acknowledgment answers, which claims go out, which rules run) lives in claimkit, where a
library user gets the same decisions as the command line."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

CLI = Path(__file__).resolve().parents[1] / "cli"

# Each entry is presentation or plumbing, not policy:
ALLOWED = {
    # The CLI's files written as one set, all or none (temp files, renames, stdout): how a
    # command writes, not what it decides.
    "claimkit.outputs",
    # Rendering CMS-1500 forms (rich panels, an HTML page); the forms come from
    # claimkit.claim_forms.
    "claimkit.preview",
    # `claimkit codeset ...` manages the code-set store; the store's package (registry, import,
    # diff, display forms) is its public interface and holds no claim policy.
    "claimkit.codesets",
    # Wording shared with the library's own messages ("1 unit", never "1 units"): one place.
    "claimkit.messages",
}
EXEMPT: set[str] = set()  # every command is on the public API


def _claimkit_imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import of a claimkit module in ``path``, at any depth."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("claimkit")]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("claimkit"):
            module = node.module or ""
            if module == "claimkit":  # `from claimkit import x`: x must be an API name, not a module
                found += [(node.lineno, f"claimkit.{a.name}") for a in node.names
                          if not _is_api_name(a.name)]
            else:
                found.append((node.lineno, module))
    return found


def _is_api_name(name: str) -> bool:
    import claimkit

    return name in claimkit.__all__


def _allowed(module: str) -> bool:
    if module == "claimkit" or module.startswith("claimkit.cli"):
        return True  # the API itself; the CLI's own modules under their installed name
    return any(module == a or module.startswith(a + ".") for a in ALLOWED)


FILES = sorted(p for p in CLI.glob("*.py") if p.name not in EXEMPT)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_cli_imports_only_the_public_api(path: Path) -> None:
    bad = [f"{path.name}:{line}: {module}" for line, module in _claimkit_imports(path) if not _allowed(module)]
    assert not bad, "internal claimkit modules imported by the CLI:\n" + "\n".join(bad)


def test_the_check_sees_imports_at_any_depth(tmp_path: Path) -> None:
    """The check itself: a lazy import inside a function, and a module pulled in with
    ``from claimkit import <module>``, are both caught; API names pass."""
    f = tmp_path / "x.py"
    f.write_text("import claimkit\nfrom claimkit import validate, InputError\n"
                 "def g():\n    from claimkit.validation import validate_paths\n"
                 "    from claimkit import clearinghouse\n")
    mods = [m for _, m in _claimkit_imports(f) if not _allowed(m)]
    assert mods == ["claimkit.validation", "claimkit.clearinghouse"]


def test_every_cli_module_is_checked() -> None:
    names = {p.name for p in FILES}
    assert {"validate.py", "parse.py", "export.py", "codeset.py", "_common.py"} <= names
    assert EXEMPT <= {p.name for p in CLI.glob("*.py")}  # an exemption names a real file
