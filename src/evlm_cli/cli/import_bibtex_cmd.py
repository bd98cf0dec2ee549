"""`evlm import bibtex FILE --section ID`: add the papers of a .bib file to the database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from evlm_cli.cli import _console
from evlm_cli.cli._options import SECTIONS, JsonOption, location, writable_path
from evlm_cli.cli._write import NoBuildOption
from evlm_cli.cli.import_cmd import InputFile, import_app
from evlm_cli.errors import ImportFormatError


@import_app.command("bibtex")
def import_bibtex(
    ctx: typer.Context,
    file: InputFile,
    *,
    section: Annotated[
        str,
        typer.Option(
            "--section", "-s", help="The section id the papers go into.", show_default=False, autocompletion=SECTIONS
        ),
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
    arXiv id or DOI, the same key and title, or a near-identical title of the same year and type, as for `evlm add`)
    is skipped (a same-titled entry of another year or type is imported and reported as a possible duplicate), and
    a block that cannot be parsed is reported with its line number while the rest is imported. Keys follow the
    survey's rule unless --keep-keys (a file key that differs from a taken one only in case is replaced and
    reported; the key of a skipped duplicate is kept as an alias of the paper kept, so its \\cite still works). A
    file that is not UTF-8 is read as Windows-1252, with a warning. README.md and data/papers.bib are rebuilt unless
    --no-build.

    Example: evlm import bibtex refs.bib --section token-reduction --dry-run
    """
    from evlm_cli import db
    from evlm_cli.cli import _write
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
        return merge(survey, result) if result.papers or result.aliases else survey

    if dry_run:
        change(db.load(path))
    else:
        _write.write(path, change, rebuild=not no_build)
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
                    {"line": s.line, "key": s.key, "existing": s.existing, "reason": s.reason, "alias": s.alias}
                    for s in result.skipped
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
        kept = f"; kept as an alias of {skip.existing!r}" if skip.alias else ""
        _console.info(f"{file}:{skip.line}: skipped {skip.key!r}: {skip.reason} as {skip.existing!r}{kept}")
    _console.info(
        f"{verb} {len(result.papers)} of {result.entries} entries; {len(result.skipped)} already present"
        + (f"; {len(result.problems)} problem(s)" if result.problems else "")
    )
