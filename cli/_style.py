"""One output style for every command: usage errors as one line, colour only on a terminal,
flags shown without a type in --help."""
from __future__ import annotations

import os
import re
import sys
from typing import Any, Iterator, Sequence

import typer
import typer.rich_utils
from typer.core import TyperGroup, TyperOption

try:  # typer >= 0.2x carries its own click; its errors derive from TyperException
    from typer import TyperException as _UsageError
except ImportError:  # pragma: no cover - older typer on top of click
    from click import ClickException as _UsageError  # type: ignore[assignment]  # the older click class, same role

from ._common import EXIT_USAGE, err, verbosity

# pydantic-style prefixes typer copies into its messages ("Value error, 'x' is not one of ...")
_NOISE = re.compile(r"\b(?:Value|Assertion) error, ")


def usage_message(exc: _UsageError) -> str:
    """A click/typer usage error as the one line every other input error uses."""
    text = _NOISE.sub("", exc.format_message()).strip().rstrip(".")
    text = " ".join(text.split())  # typer wraps nothing here, but messages may carry newlines
    if text[:1].isupper() and text[1:2].islower():  # "Missing option" -> "missing option"
        text = text[0].lower() + text[1:]
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        text += f" (see '{ctx.command_path} --help')"
    return f"error: {text}"


def _colour_policy() -> None:
    """Colour only on a terminal (https://no-color.org): NO_COLOR wins, FORCE_COLOR asks for
    colour anywhere; typer's own forcing (GITHUB_ACTIONS, PY_COLORS) is not followed."""
    if os.environ.get("NO_COLOR"):
        typer.rich_utils.FORCE_TERMINAL = False  # no escape codes at all, not even bold
    elif os.environ.get("FORCE_COLOR"):
        typer.rich_utils.FORCE_TERMINAL = True
    else:
        typer.rich_utils.FORCE_TERMINAL = None  # rich decides: a TTY gets colour


def _commands(cmd: Any) -> Iterator[Any]:
    yield cmd
    for sub in getattr(cmd, "commands", {}).values():
        yield from _commands(sub)


def _hide_flag_types(root: Any) -> None:
    """typer shows every option's type; for a flag (--quiet, --help) ``<bool>`` says nothing.

    An empty metavar is what typer's help renderer prints for the type column.
    """
    ctx = typer.Context(root, info_name="claimkit")
    for cmd in _commands(root):
        help_opt = cmd.get_help_option(ctx)
        for param in [*cmd.params, *([help_opt] if help_opt is not None else [])]:
            if isinstance(param, TyperOption) and param.is_flag:
                param.metavar = ""


class ClaimkitGroup(TyperGroup):
    """The root command: usage errors become ``error: ...`` on stderr with exit 2."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        _hide_flag_types(self)

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             windows_expand_args: bool = True, **extra: Any) -> Any:
        _colour_policy()
        verbosity(False, False)  # each command sets its own; nothing carries over between runs
        try:
            return self._main(args, prog_name, complete_var, standalone_mode, **extra)
        finally:
            verbosity(False, False)  # nor into the embedding program (or the next test) after it

    def _main(self, args: Sequence[str] | None, prog_name: str | None, complete_var: str | None,
              standalone_mode: bool, **extra: Any) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except _UsageError as exc:
            if type(exc).__name__ == "NoArgsIsHelpError":  # typer printed the help already
                sys.exit(EXIT_USAGE)
            err(usage_message(exc))
            sys.exit(exc.exit_code)
        except typer.Abort:
            err("error: aborted")
            sys.exit(1)
        # non-standalone mode returns the code of typer.Exit, else the command's return value
        sys.exit(rv if isinstance(rv, int) else 0)
