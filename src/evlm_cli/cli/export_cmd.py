"""`evlm export FORMAT`: the selected papers as BibTeX, BibLaTeX, CSL JSON, RIS, JSON, CSV or Markdown (a declared
command, see `_params`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from evlm_cli.cli import _complete, _console
from evlm_cli.cli._params import Argument, Option, SectionFilter
from evlm_cli.errors import EvlmError
from evlm_cli.render.formats import FORMATS


def _format(value: str) -> str:
    """The format's name in lower case, or a usage error listing the formats."""
    from evlm_cli.text import quoted

    if value.lower() not in FORMATS:
        raise ValueError(f"unknown format {quoted(value)}; one of: {', '.join(FORMATS)}")
    return value.lower()


def _output_file(value: str) -> str:
    """The --output path, or a usage error for an empty name, a folder or a missing parent folder."""
    from evlm_cli.text import quoted

    path = Path(value)
    if not value.strip():
        raise ValueError("is empty; give a file name, e.g. -o papers.bib")
    if path.is_dir() or value.endswith(("/", "\\")):
        raise ValueError(f"{quoted(value)} is a folder; give a file name, e.g. -o {path / 'papers.bib'}")
    if not path.parent.is_dir():
        raise ValueError(f"folder {quoted(str(path.parent))} does not exist; create it first")
    return value


def export(
    db: Path | None,
    format_name: Annotated[
        str,
        Argument(
            metavar="FORMAT",
            help="One of: " + ", ".join(f"{f.name} ({f.description})" for f in FORMATS.values()),
            check=_format,
            complete=_complete.formats,
        ),
    ],
    *,
    section: SectionFilter = None,
    key: Annotated[
        list[str] | None,
        Option("--key", "-k", help="Only this paper (repeat for more).", show_default=False, complete=_complete.keys),
    ] = None,
    query: Annotated[
        str | None,
        Option("--query", "-q", help="Only papers that `evlm search` finds for this query (e.g. 'quant* year:2024')."),
    ] = None,
    output: Annotated[
        str | None,
        Option(
            "--output",
            "-o",
            help="Write to this file (atomically) instead of stdout.",
            metavar="FILE",
            check=_output_file,
            show_default=False,
        ),
    ] = None,
    links: Annotated[
        bool,
        Option(
            "--links", help="bibtex, biblatex: add the survey's other links (Code, ...) as fields named after them."
        ),
    ] = False,
) -> int:
    """Export papers (all, or a selection) as a bibliography or a table.

    Example: evlm export bibtex --section quantization -o quantization.bib
    """
    from evlm_cli import db as database
    from evlm_cli.location import locate
    from evlm_cli.selection import Filters, select
    from evlm_cli.text import quoted

    chosen = FORMATS[format_name]
    if links and chosen.render_links is None:
        raise EvlmError(f"{chosen.name} has no place for links", hint="--links works with bibtex and biblatex")
    survey = database.load(locate(db).path)
    papers = select(survey, Filters(section=section, keys=tuple(key or ()), query=query))
    if not papers:
        what = f"matches {quoted(query)}" if query else "is in that selection"
        raise EvlmError(f"nothing to export: no paper {what}", hint="`evlm search` and `evlm list` show what there is")
    text = chosen.render_links(papers) if links and chosen.render_links else chosen.render(papers)
    if output is None:
        _console.print_plain(text)
    else:
        from evlm_cli.fsutil import atomic_write

        atomic_write(Path(output), text)
    destination = f" to {output}" if output else ""
    _console.info(f"exported {len(papers)} of {len(survey.papers)} papers as {chosen.name}{destination}")
    return 0
