"""How many paper lines of real awesome lists come back as written after `evlm init --from` (import, then build).

Each list of tests/data/lists/ is copied as README.md into a fresh folder and imported through the CLI (`evlm init
--from README.md`, which records the list's own paper line and rebuilds README.md). The entries the import made papers
of (`ReadmeImport.entries`, from the library on the same text) are then looked for among the lines of the rebuilt
README, each line used once: *identical* byte for byte, or identical but for white space at the end of the line. Only
entries read without repair and written on one line can come back (*readable*); a repaired entry (a broken tag, a
relative link left out) is counted in *entries* only. The same is measured with evlm's own line (the database's
`paper_line` removed, README rebuilt), which is what every list got before the survey's own line existed.

Used by tests/test_import_lists.py (the figures as floors) and benchmarks/readme_fidelity.py (the table).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from evlm_cli.importers.readme.style import EntryLine

LISTS_DIR = Path(__file__).parent / "data" / "lists"
SOURCES = tuple(sorted(LISTS_DIR.glob("*.md")))
"""The real lists measured; tests/data/SOURCES.md says where each came from."""


@dataclass(frozen=True)
class Count:
    """Entries found in one rebuilt README."""

    identical: int
    spacing: int
    """Found only once white space at the end of the original line is ignored."""


@dataclass(frozen=True)
class ListReport:
    name: str
    entries: int
    """Entries and table rows the import made papers of (a cross-listed paper once per section)."""
    readable: int
    template: str
    """The `paper_line` the import recorded (empty: evlm's own line)."""
    own: Count
    """With the list's own line (what `init --from` wrote)."""
    evlm: Count
    """With evlm's own line."""
    library: tuple[int, int, int]
    """`ReadmeImport.fidelity` (readable, identical, spacing): the import's own count, which should agree."""
    differences: tuple[tuple[str, str], ...] = ()
    """(original, rebuilt) of readable entries that did not come back, in list order."""


def evlm(*args: str, cwd: Path) -> str:
    """Run the real CLI in-process in `cwd` with its own cache folder and no EVLM_DB; its stderr."""
    from typer.testing import CliRunner

    from evlm_cli.cli import app

    env = {"XDG_CACHE_HOME": str(cwd / ".cache"), "EVLM_DB": None, "NO_COLOR": "1"}
    previous = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(app, list(args), env=env)
    finally:
        os.chdir(previous)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    if result.exit_code != 0:
        raise RuntimeError(f"evlm {' '.join(args)}: exit {result.exit_code}\n{result.stderr}")
    return result.stderr


def measure(source: Path, workdir: Path) -> ListReport:
    """Import one list with `evlm init --from` in `workdir` and count the entries that come back."""
    from evlm_cli import db
    from evlm_cli.importers.readme import parse_readme
    from evlm_cli.importers.readme.style import positions
    from evlm_cli.render.readme import line_renderer

    text = source.read_text(encoding="utf-8")
    (workdir / "README.md").write_text(text, encoding="utf-8")
    evlm("init", "--from", "README.md", cwd=workdir)
    result = parse_readme(text, today=dt.date.today())
    readable = [e for e in result.entries if not e.repaired and "\n" not in e.raw]
    own = _count(readable, (workdir / "README.md").read_text(encoding="utf-8"))
    database = workdir / "data" / "papers.toml"
    survey = db.load(database)
    render = line_renderer(survey.info)
    papers, places = {p.key: p for p in survey.papers}, positions(survey)
    differences = []
    rebuilt_lines = set((workdir / "README.md").read_text(encoding="utf-8").splitlines())
    for entry in readable:
        if entry.raw not in rebuilt_lines:
            line = render(papers[entry.key], places[(entry.key, entry.section)]).rsplit("\n", 1)[-1]
            differences.append((entry.raw, line))
    plain = dataclasses.replace(survey, info=dataclasses.replace(survey.info, paper_line=""))
    database.write_text(db.dumps(plain), encoding="utf-8")
    evlm("build", cwd=workdir)
    evlm_count = _count(readable, (workdir / "README.md").read_text(encoding="utf-8"))
    fidelity = result.fidelity
    return ListReport(
        source.name,
        len(result.entries),
        len(readable),
        survey.info.paper_line,
        own,
        evlm_count,
        (fidelity.readable, fidelity.identical, fidelity.spacing),
        tuple(differences),
    )


def _count(readable: list[EntryLine], readme: str) -> Count:
    lines = Counter(readme.splitlines())
    stripped = Counter(line.rstrip() for line in readme.splitlines())
    identical = spacing = 0
    left = []
    for entry in readable:
        if lines[entry.raw] > 0:
            lines[entry.raw] -= 1
            stripped[entry.raw] -= 1
            identical += 1
        else:
            left.append(entry)
    for entry in left:
        if stripped[entry.raw.rstrip()] > 0:
            stripped[entry.raw.rstrip()] -= 1
            spacing += 1
    return Count(identical, spacing)
