"""The `evlm` entry point, with a fast lane for the commands people run most.

Typer builds a pydantic validator for every option of the command it runs, which costs about 0.1 s per process,
as much as a whole warm search. So `evlm --version` and plain `evlm search ...` invocations are parsed here with a
small strict parser and run without importing Typer; anything the parser does not fully understand (`--help`, a
typo in an option, other commands) goes to the Typer app, which produces the usual help and errors. Both lanes run
`run_search`, so their output is the same; this module belongs to the CLI layer (it prints).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    from evlm_cli.search.engine import Hit


def main() -> None:
    """Console-script entry point."""
    argv = sys.argv[1:]
    if argv == ["--version"]:
        from evlm_cli import __version__

        sys.stdout.write(f"evlm {__version__}\n")
        return
    from evlm_cli.text import undecodable_argument

    fast = _parse_search(argv) if undecodable_argument(argv) is None else None  # Typer's lane reports the bytes
    if fast is not None:
        sys.exit(_run_fast(fast))
    from evlm_cli.cli import main as cli_main

    cli_main()


@dataclass
class SearchArgs:
    """The arguments of `evlm search`, as both lanes pass them to `run_search`."""

    db: Path | None = None
    words: list[str] = field(default_factory=list)
    section: str | None = None
    year: str | None = None
    venue: str | None = None
    author: list[str] = field(default_factory=list)
    limit: int = 20
    show_all: bool = False
    json_output: bool = False
    keys_output: bool = False


_VALUED = {"--section": "section", "-s": "section", "--year": "year", "--venue": "venue"}
_FLAGS = {"--all": "show_all", "--json": "json_output", "--keys": "keys_output"}


def _parse_search(argv: list[str]) -> SearchArgs | None:
    """Parse `[--db PATH] search [options] [words]`; None for anything else or anything unusual."""
    args = SearchArgs()
    rest = list(argv)
    while rest and rest[0].startswith("--db"):
        option = rest.pop(0)
        if option.startswith("--db="):
            value = option.partition("=")[2]
        elif option == "--db" and rest:
            value = rest.pop(0)
        else:
            return None
        if not value.strip():
            return None  # Typer's usage error says --db is empty
        args.db = Path(value)
    if not rest or rest.pop(0) != "search":
        return None
    words_only = False
    while rest:
        item = rest.pop(0)
        if words_only or not item.startswith("-") or item == "-":
            args.words.append(item)
            continue
        if item == "--":
            words_only = True
            continue
        name, has_value, inline = item.partition("=")
        if name in _FLAGS and not has_value:
            setattr(args, _FLAGS[name], True)
            continue
        if name not in (*_VALUED, "--author", "-a", "--limit", "-n"):
            return None
        if not has_value:
            if not rest:
                return None
            inline = rest.pop(0)
        if name in _VALUED:
            setattr(args, _VALUED[name], inline)
        elif name in ("--author", "-a"):
            args.author.append(inline)
        elif inline.isascii() and inline.isdigit() and int(inline) >= 1:
            args.limit = int(inline)
        else:
            return None
    return args if args.year is None or _valid_years(args.year) else None


def _valid_years(text: str) -> bool:
    """A malformed --year goes to Typer, whose usage error (exit 2) names the option."""
    from evlm_cli.search.query import QueryError, parse_years

    try:
        parse_years(text)
    except QueryError:
        return False
    return True


def _run_fast(args: SearchArgs) -> int:
    from evlm_cli.errors import EvlmError, ExitCode

    try:
        return run_search(args)
    except EvlmError as error:
        _error(str(error))
        return ExitCode.ERROR
    except KeyboardInterrupt:
        _error("interrupted")
        return ExitCode.INTERRUPTED


def run_search(args: SearchArgs) -> int:
    """Run a search and print its results; the exit code (1 when nothing matches)."""
    from evlm_cli.search.engine import run
    from evlm_cli.search.index import using_index
    from evlm_cli.search.query import parse, parse_years

    text = " ".join(args.words)
    query = parse(text).merged(
        section=args.section,
        years=parse_years(args.year) if args.year else None,
        venue=args.venue,
        authors=tuple(args.author),
    )
    limit = None if args.show_all else args.limit
    result = using_index(database_path(args.db), lambda index: run(index, query, limit=limit))
    if not result.total:
        if result.suggestions:
            hint = f" (did you mean {', '.join(repr(s) for s in result.suggestions)}?)"
        elif len(query.terms) > 1:
            hint = " (every word must match: try fewer words)"
        else:
            hint = ""
        short = text if len(text) <= 80 else text[:77] + "..."  # a pasted abstract is not echoed whole
        _error(f"no paper matches {short!r}{hint}" if text else "no paper passes these filters")
        return 1
    if args.json_output:
        import json

        rows = [hit_json(rank, hit) for rank, hit in enumerate(result.hits, start=1)]
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
    elif args.keys_output:
        sys.stdout.write("".join(hit.key + "\n" for hit in result.hits))
    else:
        _stdout().print(hits_table(result.hits))
    shown = len(result.hits)
    more = f"; showing the first {shown} (--all shows every one)" if shown < result.total else ""
    _stderr().print(f"{result.total} of {result.papers} papers match{more}", soft_wrap=True, markup=False)
    return 0


def database_path(explicit: Path | None) -> Path:
    """`db.locate(explicit).path`, without importing `db` (and with it the model, tomllib and the writers), which
    would add a fifth to a warm search's time. tests/test_search.py checks that both agree."""
    import os

    if explicit is not None:
        return _not_a_folder(explicit, "--db")
    env = os.environ.get("EVLM_DB")
    if env:
        return _not_a_folder(Path(env), "EVLM_DB")
    start = Path.cwd().resolve()
    for folder in (start, *start.parents):
        candidate = folder / "data" / "papers.toml"
        if candidate.is_file():
            return candidate
    from evlm_cli import db

    return db.bundled_path()


def _not_a_folder(path: Path, origin: str) -> Path:
    if path.is_dir():  # rare: only then is `db` imported, for its error
        from evlm_cli import db

        db.not_a_folder(path, origin)
    return path


def hit_json(rank: int, hit: Hit) -> dict[str, Any]:
    """A search hit as `--json` prints it."""
    return {
        "rank": rank,
        "key": hit.key,
        "score": hit.score,
        "matched_fields": list(hit.matched_fields),
        "matched_terms": list(hit.matched_terms),
        "title": hit.title,
        "venue": hit.venue,
        "year": hit.year,
        "section": hit.section,
        "section_path": hit.section_path,
    }


def hits_table(hits: list[Hit]) -> Any:
    """The rich table of search hits, with the matched words of each title highlighted."""
    from rich.table import Table
    from rich.text import Text

    table = Table(show_lines=False)
    table.add_column("#", justify="right")
    table.add_column("key", style="cyan", no_wrap=True)
    table.add_column("title", ratio=4)
    table.add_column("venue")
    table.add_column("year", justify="right")
    table.add_column("section", ratio=2)
    for rank, hit in enumerate(hits, start=1):
        title = Text(hit.title)
        for start, end in hit.title_marks:
            title.stylize("bold reverse", start, end)
        table.add_row(str(rank), Text(hit.key), title, Text(hit.venue), str(hit.year or ""), Text(hit.section_path))
    return table


def _stdout() -> Console:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False, emoji=False, **console_style())


def _stderr() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False, emoji=False, **console_style())


def console_style() -> dict[str, Any]:
    """rich Console options for both lanes: with NO_COLOR set (to anything), no styling at all.

    rich on its own drops the colours but keeps bold, dim and reverse."""
    import os

    if os.environ.get("NO_COLOR"):
        return {"color_system": None, "no_color": True}
    return {}


def _error(message: str) -> None:
    from rich.markup import escape

    _stderr().print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True)
