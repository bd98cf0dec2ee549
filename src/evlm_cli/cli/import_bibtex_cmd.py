"""`evlm import bibtex FILE --section ID`: add the papers of a .bib file to the database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from evlm_cli.cli import _console
from evlm_cli.cli._options import JsonOption, location, writable_path
from evlm_cli.cli._write import NoBuildOption
from evlm_cli.cli.import_cmd import InputFile, import_app
from evlm_cli.errors import ImportFormatError


@import_app.command("bibtex")
def import_bibtex(
    ctx: typer.Context,
    file: InputFile,
    *,
    section: Annotated[
        str, typer.Option("--section", "-s", help="The section id the papers go into.", show_default=False)
    ],
    keep_keys: Annotated[
        bool, typer.Option("--keep-keys", help="Keep the file's citation keys (when usable and free).")
    ] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be added; write nothing.")] = False,
    no_build: NoBuildOption = False,
    json_output: JsonOption = False,
) -> None:
    """Add the papers of a .bib file to a section, skipping papers already in the survey.

    Handles @string and month macros, # concatenation, comments and LaTeX accents; a paper already present (same
    arXiv id, DOI or title) is skipped, and a block that cannot be parsed is reported with its line number while
    the rest is imported. Keys follow the survey's rule unless --keep-keys (a file key that differs from a taken
    one only in case is replaced and reported). A file that is not UTF-8 is read as Windows-1252, with a warning.
    README.md and data/papers.bib are rebuilt unless --no-build.

    Example: evlm import bibtex refs.bib --section token-reduction --dry-run
    """
    from evlm_cli import build, db
    from evlm_cli.cli._write import lock
    from evlm_cli.importers.bibtex import BibImport, decode_bytes, merge, parse_bibtex
    from evlm_cli.model import Survey

    path = location(ctx).path if dry_run else writable_path(ctx)  # a dry run may look at the bundled survey
    text, encoding_warning = decode_bytes(_read_bytes(file))
    if encoding_warning:
        _console.warning(f"{file}: {encoding_warning}")
    result: BibImport | None = None

    def change(survey: Survey) -> Survey:
        nonlocal result
        result = parse_bibtex(text, survey, section, keep_keys=keep_keys, source=str(file))
        return survey if dry_run else merge(survey, result.papers)

    if dry_run:
        change(db.load(path))
    else:
        with lock(path):  # one lock across the write and the rebuild
            survey = db.update(path, change)
            assert result is not None
            if result.papers and not no_build:
                build.build(survey, path)
    assert result is not None
    _report(file, result, dry_run=dry_run, json_output=json_output)


def _read_bytes(path: Path) -> bytes:
    """The bytes of an input file, or an ImportFormatError saying why not (also for a pipe or a huge file)."""
    from evlm_cli.inputfile import IMPORT_LIMIT, read_bytes

    return read_bytes(path, what="file to import", limit=IMPORT_LIMIT, error=ImportFormatError)


def _report(file: Path, result: object, *, dry_run: bool, json_output: bool) -> None:
    from evlm_cli.importers.bibtex import BibImport

    assert isinstance(result, BibImport)
    verb = "would add" if dry_run else "added"
    if json_output:
        _console.print_json(
            {
                "dry_run": dry_run,
                "added": [{"key": p.key, "title": p.title} for p in result.papers],
                "skipped": [
                    {"line": s.line, "key": s.key, "existing": s.existing, "reason": s.reason} for s in result.skipped
                ],
                "problems": [{"line": p.line, "reason": p.reason, "text": p.text} for p in result.problems],
            }
        )
    else:
        for paper in result.papers:
            _console.print_plain(f"{verb} {paper.key}: {paper.title}\n")
    for problem in result.problems:
        _console.warning(f"{file}:{problem.line}: {problem.reason}")
    for skip in result.skipped:
        _console.info(f"{file}:{skip.line}: skipped {skip.key!r}: {skip.reason} as {skip.existing!r}")
    _console.info(
        f"{verb} {len(result.papers)} of {result.entries} entries; {len(result.skipped)} already present"
        + (f"; {len(result.problems)} problem(s)" if result.problems else "")
    )
