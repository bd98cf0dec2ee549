"""Parameters declared once for both ways a command runs: the Typer app, and the launcher's fast lane.

Typer costs more to import and to set up than a whole warm search takes (benchmarks/README.md), so the read
commands (`search`, `list`, `show`, `sections`, `export`) are plain functions, typed like Typer commands but with
this module's `Option` and `Argument` in their `Annotated[...]` parameters. `evlm_cli.launcher` parses a plain
invocation of one of them straight from those declarations (`parse`) and calls the function; `cli._app` turns the
same function into a Typer command, which serves everything else (`--help`, usage errors, tests). The fast parser
accepts only what it is sure Click would read the same way: anything else (`-h`, a misspelt option, a value that
fails its check) goes to Typer, which prints the usual help or usage error.

A declared command's first parameter is `db`, the root `--db` option's value; it returns its exit code.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from evlm_cli.cli import _complete
from evlm_cli.cli._complete import Completer

Check = Callable[[Any], Any]
"""Validates (and may normalise) an option's value; raises ValueError whose text is the usage error's message."""


class Option:
    """A command-line option, as `typer.Option` would declare it."""

    __slots__ = ("check", "complete", "flags", "help", "metavar", "minimum", "show_default")

    def __init__(
        self,
        *flags: str,
        help: str,
        metavar: str | None = None,
        check: Check | None = None,
        minimum: int | None = None,
        show_default: bool = True,
        complete: Completer | None = None,
    ) -> None:
        self.flags = flags
        self.help = help
        self.metavar = metavar
        self.check = check
        self.minimum = minimum
        """The smallest integer accepted (an int option only)."""
        self.show_default = show_default
        self.complete = complete
        """Offers the values the shell completes (see `_complete`)."""


class Argument:
    """A positional argument, as `typer.Argument` would declare it."""

    __slots__ = ("check", "complete", "help", "metavar")

    def __init__(
        self, *, help: str, metavar: str | None = None, check: Check | None = None, complete: Completer | None = None
    ) -> None:
        self.help = help
        self.metavar = metavar
        self.check = check
        self.complete = complete


class Param:
    """One declared parameter of a command function, resolved from its annotation."""

    __slots__ = ("annotation", "default", "kind", "multiple", "name", "required", "spec")

    def __init__(self, name: str, spec: Option | Argument, annotation: Any, default: Any) -> None:
        self.name = name
        self.spec = spec
        self.annotation = annotation
        """The parameter's type without `Annotated` (`list[str] | None`)."""
        kind, multiple = _kind(annotation)
        self.kind = kind
        """str, int or bool (a flag): the type of one value."""
        self.multiple = multiple
        """A list: a repeatable option, or an argument that takes every remaining word."""
        self.default = default
        self.required = default is _NO_DEFAULT


_NO_DEFAULT: Any = object()


def params(function: Callable[..., int]) -> list[Param]:
    """The declared parameters of a command function, in order (its first parameter, `db`, left out)."""
    import inspect

    hints = typing.get_type_hints(function, include_extras=True)
    signature = inspect.signature(function)
    names = list(signature.parameters)
    if not names or names[0] != "db":
        raise TypeError(f"{function.__name__}: a declared command's first parameter is `db`")
    found = []
    for name in names[1:]:
        annotation = hints[name]
        if typing.get_origin(annotation) is not Annotated:
            raise TypeError(f"{function.__name__}: parameter {name} is not declared with Option or Argument")
        base, *extras = typing.get_args(annotation)
        (spec,) = [extra for extra in extras if isinstance(extra, Option | Argument)]
        default = signature.parameters[name].default
        found.append(Param(name, spec, base, _NO_DEFAULT if default is inspect.Parameter.empty else default))
    return found


def _kind(annotation: Any) -> tuple[type, bool]:
    """(type of one value, whether a list) for `str`, `int`, `bool` or `list[str]`, each possibly `| None`."""
    origin, members = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (types.UnionType, typing.Union) and len(members) == 2 and type(None) in members:
        return _kind(next(member for member in members if member is not type(None)))
    if origin is list and members == (str,):
        return str, True
    if annotation in (str, int, bool):
        return annotation, False
    raise TypeError(f"a declared parameter cannot be {annotation!r}")


def parse(function: Callable[..., int], argv: list[str]) -> dict[str, Any] | None:
    """The keyword arguments `argv` gives `function`, as Click would read them; None for anything unusual."""
    declared = params(function)
    options = {flag: p for p in declared if isinstance(p.spec, Option) for flag in p.spec.flags}
    values: dict[str, Any] = {}
    words: list[str] = []
    rest = list(argv)
    only_words = False
    while rest:
        item = rest.pop(0)
        if only_words or item == "-" or not item.startswith("-"):
            words.append(item)
            continue
        if item == "--":
            only_words = True
            continue
        name, has_value, value = item.partition("=") if item.startswith("--") else (item, "", "")
        param = options.get(name)
        if param is None:
            return None  # -h, --help, a misspelt option, `-n5`: Typer's business
        if param.kind is bool:
            if has_value:
                return None
            values[param.name] = True
            continue
        if not has_value:
            if not rest:
                return None
            value = rest.pop(0)
        converted = _convert(param, value)
        if converted is _INVALID:
            return None
        if param.multiple:
            values.setdefault(param.name, []).append(converted)
        else:
            values[param.name] = converted
    for param in declared:
        if not isinstance(param.spec, Argument):
            continue
        if param.multiple:
            values[param.name], words = words, []
        elif words:
            converted = _convert(param, words.pop(0))
            if converted is _INVALID:
                return None
            values[param.name] = converted
    if words or any(p.required and p.name not in values for p in declared):
        return None
    return {p.name: values.get(p.name, p.default) for p in declared}


def _convert(param: Param, text: str) -> Any:
    """The value of `text` for `param`, or _INVALID when Typer should report it."""
    value: Any = text
    if param.kind is int:
        if not (text.isascii() and text.isdigit()):
            return _INVALID
        value = int(text)
        minimum = param.spec.minimum if isinstance(param.spec, Option) else None
        if minimum is not None and value < minimum:
            return _INVALID
    if param.spec.check is not None:
        try:
            return param.spec.check(value)
        except ValueError:
            return _INVALID
    return value


_INVALID: Any = object()


# -- options shared by several commands -------------------------------------------------------------


def _not_empty(value: str) -> str:
    """`--db`'s value: an empty one is a usage error (Path('') would silently mean the current folder)."""
    if not value.strip():
        raise ValueError("--db is empty; pass the database file, e.g. --db data/papers.toml")
    return value


DB = Option(
    "--db",
    metavar="PATH",
    help="The database file. Default: $EVLM_DB, else data/papers.toml above the current folder, "
    "else the survey bundled with evlm (read-only).",
    check=_not_empty,
    show_default=False,
)
"""The root option (before the command's name), which every command reads."""


def parse_root(argv: list[str]) -> tuple[Path | None, list[str]] | None:
    """`[--db PATH] COMMAND ARGS...` as (the --db value, `[COMMAND, *ARGS]`); None for any other root option."""
    db: Path | None = None
    rest = list(argv)
    while rest and rest[0].startswith("-"):
        name, has_value, value = rest.pop(0).partition("=")
        if name not in DB.flags:
            return None
        if not has_value:
            if not rest:
                return None
            value = rest.pop(0)
        try:
            db = Path(_not_empty(value))
        except ValueError:
            return None
    return db, rest


def _years(value: str) -> str:
    """A malformed --year is a usage error (exit 2), before any work is done."""
    from evlm_cli.search.query import QueryError, parse_years

    try:
        parse_years(value)
    except QueryError as error:
        raise ValueError(f"{error.message} ({error.hint})" if error.hint else error.message) from None
    return value


JSON = Option("--json", help="Print JSON for scripts instead of a table.")
JsonFlag = Annotated[bool, JSON]
SectionFilter = Annotated[
    str | None,
    Option("--section", "-s", help="Only papers in this section id or below it.", complete=_complete.sections),
]
YearRangeFilter = Annotated[
    str | None,
    Option("--year", help="Only papers of this year or range of years: 2024, 2022..2024, 2022..", check=_years),
]
VenueFilter = Annotated[
    str | None, Option("--venue", help="Only papers whose venue contains these words (case-insensitive).")
]
AuthorFilter = Annotated[
    list[str] | None, Option("--author", "-a", help="Only papers with an author matching these words (repeatable).")
]
