"""How faithfully real .bib files survive evlm: import with `--keep-keys`, export, format with the real programs.

Each file of tests/data/bib/ is imported into a fresh one-section survey through the CLI (`evlm import bibtex FILE
--keep-keys --no-build`), then exported as BibTeX, CSL JSON and BibLaTeX. The real `bibtex` formats the original and
the export with `plain` and `alpha` (`\\citation{*}`); `pandoc --citeproc` formats the original and the CSL JSON;
both outputs are split into one text per citation key, LaTeX and HTML decoded to Unicode, white space collapsed, and
compared entry by entry (an entry imported under another key is compared with what it became). `biber --tool
--validate-datamodel` checks the BibLaTeX export. The original file's fields, read with bibtexparser, are set against
the export's to name what was lost (a field dropped or changed, the entry type, the key).

Used by tests/test_bib_fidelity.py (the targets of issue 10) and benchmarks/bib_fidelity.py (the figures).
"""

from __future__ import annotations

import ast
import functools
import html
import json
import os
import re
import shutil
import subprocess
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bibtex_check import run_bibtex

ROOT = Path(__file__).resolve().parents[1]
BIB_DIR = Path(__file__).parent / "data" / "bib"
SOURCES = tuple(sorted(BIB_DIR.glob("*.bib")))
"""The real .bib files measured; tests/data/SOURCES.md says where each came from."""
SHIPPED_DB = ROOT / "data" / "papers.toml"
STYLES = ("plain", "alpha")
SECTION = "imported"
EMPTY_SURVEY = f'schema = 1\n\n[survey]\ntitle = "Fidelity"\n\n[[sections]]\nid = "{SECTION}"\ntitle = "Imported"\n'
"""A database with one empty section, for the import to fill."""

STYLE_FIELDS = frozenset(
    "address author booktitle chapter crossref edition editor howpublished institution journal key month note number "
    "organization pages publisher school series title type volume year".split()
)
"""The fields plain.bst and alpha.bst read: losing one changes what the reader sees."""
STYLE_TYPES = frozenset(
    "article book booklet conference inbook incollection inproceedings manual mastersthesis misc phdthesis "
    "proceedings techreport unpublished".split()
)
"""Entry types the classic styles know; any other is formatted as @misc."""


def require(program: str, packages: str) -> str:
    """The path of `program`; skips the test when it is missing, except in CI (where .ci/run installs it)."""
    found = shutil.which(program)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail(f"`{program}` is not installed; .ci/run installs {packages}")
        pytest.skip(f"`{program}` is not installed (apt-get install {packages})")
    return found


# --- Import and export through the CLI ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Roundtrip:
    """A .bib file imported into an empty survey and exported again, with what the import reported."""

    source: Path
    key_map: dict[str, str]
    """Original key -> the key of the paper it became, for every entry imported, and for every duplicate whose key
    was kept as an alias (the exports write it as its own entry)."""
    bibtex: str
    csl_json: str
    biblatex: str
    skipped: tuple[str, ...]
    """Original keys left out as duplicates of an earlier entry."""
    problems: tuple[str, ...]
    """Every problem the import reported, `line: reason`."""


def evlm(*args: str, cache: Path) -> str:
    """Run the real CLI in-process with its own cache folder and no EVLM_DB; its stdout, or an error with stderr."""
    from typer.testing import CliRunner

    from evlm_cli.cli import app

    env = {"XDG_CACHE_HOME": str(cache), "EVLM_DB": None, "NO_COLOR": "1"}
    result = CliRunner().invoke(app, list(args), env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    if result.exit_code != 0:
        raise RuntimeError(f"evlm {' '.join(args)}: exit {result.exit_code}\n{result.stderr}")
    return result.stdout


def roundtrip(source: Path, workdir: Path) -> Roundtrip:
    """Import `source` with --keep-keys into a fresh survey under `workdir`, then export it in the three formats."""
    database = workdir / "data" / "papers.toml"
    database.parent.mkdir(parents=True, exist_ok=True)
    database.write_text(EMPTY_SURVEY, encoding="utf-8")
    cache = workdir / "cache"
    base = ("--db", str(database))
    command = ("import", "bibtex", str(source), "--section", SECTION, "--keep-keys", "--no-build", "--json")
    report = json.loads(evlm(*base, *command, cache=cache))
    renamed = dict(_renames(problem["reason"] for problem in report["problems"]))
    original_of = {new: old for old, new in renamed.items()}
    key_map = {original_of.get(paper["key"], paper["key"]): paper["key"] for paper in report["added"]}
    key_map.update({skip["key"]: skip["key"] for skip in report["skipped"] if skip.get("alias")})  # exported as copies
    exports = {}
    for fmt, name in (("bibtex", "export.bib"), ("csl-json", "export.json"), ("biblatex", "export-biblatex.bib")):
        evlm(*base, "export", fmt, "-o", str(workdir / name), cache=cache)
        exports[fmt] = (workdir / name).read_text(encoding="utf-8")
    return Roundtrip(
        source,
        key_map,
        exports["bibtex"],
        exports["csl-json"],
        exports["biblatex"],
        tuple(skip["key"] for skip in report["skipped"]),
        tuple(f"{problem['line']}: {problem['reason']}" for problem in report["problems"]),
    )


_RENAMED = re.compile(r"key ('[^']*'|\"[^\"]*\") (?:is not usable|is taken)[^;]*; imported as ('[^']*'|\"[^\"]*\")")


def _renames(reasons: Iterable[str]) -> Iterable[tuple[str, str]]:
    """(original key, new key) for each `key 'X' is not usable; imported as 'Y'` the import reported."""
    for reason in reasons:
        if match := _RENAMED.search(reason):
            yield ast.literal_eval(match.group(1)), ast.literal_eval(match.group(2))


# --- Formatting and comparing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Formatted:
    """One program's formatted bibliography: a text per citation key, and how many errors and warnings it gave."""

    entries: dict[str, str]
    errors: int
    warnings: int
    messages: tuple[str, ...] = ()


@dataclass(frozen=True)
class Difference:
    key: str
    original: str
    exported: str | None
    """None when the entry is missing from the export."""


@dataclass(frozen=True)
class Comparison:
    """The original and the export formatted by one program (`plain`, `alpha` or `pandoc`), entry by entry."""

    check: str
    original: Formatted
    exported: Formatted
    differences: tuple[Difference, ...]

    @property
    def total(self) -> int:
        return len(self.original.entries)

    @property
    def identical(self) -> int:
        return self.total - len(self.differences)


def compare(check: str, original: Formatted, exported: Formatted, key_map: Mapping[str, str]) -> Comparison:
    """Every entry of the original against what its key became in the export."""
    differences = []
    for key, text in original.entries.items():
        new_key = key_map.get(key)
        other = exported.entries.get(new_key) if new_key is not None else None
        if other != text:
            differences.append(Difference(key, text, other))
    return Comparison(check, original, exported, tuple(differences))


def normalise(latex: str) -> str:
    """LaTeX as Unicode text, white space (ties included) collapsed: `{\\em T}he~{M}{\\"u}ller` -> `The Müller`."""
    try:
        text: str = _decoder().latex_to_text(latex)
    except Exception:  # noqa: BLE001 - pylatexenc 2.11 raises on some macros; the braces-stripped text still compares
        text = latex.replace("{", "").replace("}", "")
    return " ".join(text.replace("\N{NO-BREAK SPACE}", " ").split())


_FONT_SWITCHES = "em it rm bf sl sc sf tt itshape bfseries scshape upshape normalfont".split()
_LOGOS = {"TeX": "TeX", "LaTeX": "LaTeX", "LaTeXe": "LaTeX2e", "BibTeX": "BibTeX"}


@functools.cache
def _decoder() -> Any:
    """pylatexenc's decoder for .bbl text. Logos such as `\\TeX` are spelt out, `\\cite{key}` (a crossref) becomes
    `[key]`, and any other unknown command stays visible as `\\name`: a command lost on the way is a difference."""
    from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

    def cite(node: Any) -> str:
        arguments = [argument for argument in node.nodeargd.argnlist if argument is not None]
        return f"[{arguments[-1].latex_verbatim()[1:-1]}]" if arguments else "[]"

    macros = [
        MacroTextSpec("cite", simplify_repl=cite),
        MacroTextSpec("newblock", simplify_repl=" "),
        MacroTextSpec("etalchar", simplify_repl=""),  # alpha's `{\\etalchar{+}}`: the group that follows is the text
        *(MacroTextSpec(name, simplify_repl="") for name in _FONT_SWITCHES),
        *(MacroTextSpec(name, simplify_repl=text) for name, text in _LOGOS.items()),
    ]
    context = get_default_latex_context_db()
    context.add_context_category("bbl", prepend=True, macros=macros)
    context.set_unknown_macro_spec(MacroTextSpec("", simplify_repl=lambda node: node.latex_verbatim()))
    return LatexNodes2Text(latex_context=context, math_mode="text")


_BIBITEM = re.compile(r"^\\bibitem(?:\[(.*)\])?\{([^{}]*)\}[ \t]*$", re.MULTILINE)
_BBL_END = re.compile(r"^\\end\{thebibliography\}", re.MULTILINE)
_COUNT = re.compile(r"\(There (?:was|were) (\d+) (error message|warning)s?\)")


def bbl_entries(bbl: str) -> dict[str, str]:
    """Each `\\bibitem[label]{key} text` of a .bbl as key -> `[label] text`, decoded and normalised."""
    items = list(_BIBITEM.finditer(bbl))
    entries = {}
    for item, following in zip(items, [*items[1:], None], strict=True):
        end = following.start() if following else (m.start() if (m := _BBL_END.search(bbl, item.end())) else len(bbl))
        label = f"[{normalise(item.group(1))}] " if item.group(1) is not None else ""
        entries[item.group(2)] = label + normalise(bbl[item.end() : end])
    return entries


def bibtex_format(bib: str, style: str, folder: Path) -> Formatted:
    """`bib` formatted by the real bibtex with `style`, every entry cited (`\\citation{*}`)."""
    run = run_bibtex(bib, ["*"], folder, style)
    counts = {kind: int(number) for number, kind in _COUNT.findall(run.log)}
    return Formatted(
        bbl_entries(run.bbl), counts.get("error message", 0), counts.get("warning", 0), tuple(run.problems)
    )


_CSL_ENTRY = re.compile(r'<div id="ref-([^"]*)" class="csl-entry"[^>]*>(.*?)</div>', re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


def pandoc_format(bibliography: Path, folder: Path) -> Formatted:
    """`bibliography` (.bibtex or .json) formatted by `pandoc --citeproc` (its default Chicago author-date style)."""
    program = require("pandoc", "pandoc")
    folder.mkdir(parents=True, exist_ok=True)
    document = folder / "cite-all.md"
    document.write_text("---\nnocite: |\n  @*\n---\n", encoding="utf-8")
    result = subprocess.run(
        [program, str(document), "--citeproc", f"--bibliography={bibliography}", "-t", "html", "--wrap=none"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    messages = tuple(line for line in result.stderr.splitlines() if line.strip())
    if result.returncode != 0:
        return Formatted({}, 1, len(messages), messages)
    entries = {
        html.unescape(key): undo_pandoc_quirks(
            " ".join(html.unescape(_TAG.sub("", body)).replace("\N{NO-BREAK SPACE}", " ").split())
        )
        for key, body in _CSL_ENTRY.findall(result.stdout)
    }
    return Formatted(entries, 0, sum("[WARNING]" in line for line in messages), messages)


_DOTLESS_I = re.compile("\N{LATIN SMALL LETTER DOTLESS I}(?=[\u0300-\u036f])")


_DOI_AS_URL = re.compile(r"https://doi\.org/https?://(?:dx\.)?doi\.org/")
_MONTH_NAMES = ("January February March April May June July August September October November December").split()
_MONTH_WRITTEN = re.compile(r"(\bmonth\s*=\s*)(?:\{(%s)\}|\"(%s)\")" % (("|".join(_MONTH_NAMES),) * 2), re.IGNORECASE)


def undo_pandoc_quirks(text: str) -> str:
    """pandoc's output with three quirks undone, so that they do not count as differences: `{\\"\\i}` comes out as a
    dotless ı plus a combining accent (`Taı̈x`; read as `Taïx`, the same glyph); a `\\_` in a `doi` or `url` field is
    printed with its backslash (`...-9\\_33`, a broken link; read as `_`); a `doi` field holding a DOI URL (the
    source's fault) is printed after the resolver again (`https://doi.org/http://dx.doi.org/10...`, a broken link;
    read as `https://doi.org/10...`, which the export prints)."""
    text = unicodedata.normalize("NFC", _DOTLESS_I.sub("i", text)).replace("\\_", "_")
    return _DOI_AS_URL.sub("https://doi.org/", text)


def pandoc_input(bib: str) -> str:
    """An original .bib as pandoc is given it: a month written out (`month = {July}`), which bibtex prints and
    pandoc's reader drops (it reads `jul` and `7` only), written as the standard macro (`month = jul`)."""
    return _MONTH_WRITTEN.sub(lambda m: m.group(1) + (m.group(2) or m.group(3))[:3].lower(), bib)


def biber_validate(bib: str, folder: Path) -> Formatted:
    """`biber --tool --validate-datamodel` on a BibLaTeX file: its ERROR and WARN lines (no entries)."""
    program = require("biber", "biber")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "biblatex.bib"
    path.write_text(bib, encoding="utf-8")
    result = subprocess.run(
        [program, "--tool", "--validate-datamodel", f"--output-directory={folder}", path.name],
        cwd=folder,
        capture_output=True,
        text=True,
        errors="replace",
        check=False,
        timeout=120,
    )
    lines = (result.stdout + result.stderr).splitlines()
    errors = [line for line in lines if line.startswith(("ERROR - ", "FATAL - "))]
    warnings = [line for line in lines if line.startswith("WARN - ")]
    return Formatted({}, len(errors) + (result.returncode != 0 and not errors), len(warnings), (*errors, *warnings))


def biber_message(line: str, original_of: Mapping[str, str]) -> str:
    """`KEY: message` of a biber line (without the file), the key mapped back to the original's."""
    match = re.match(r"^(\w+) - (?:Datamodel: )?Entry '([^']*)' \([^)]*\): (.*)$", line)
    if not match:
        return line
    return f"{match.group(1)} {original_of.get(match.group(2), match.group(2))}: {match.group(3)}"


def biber_message_kind(line: str) -> str:
    """A biber message without its entry key and file: `Missing mandatory field 'author'`."""
    return re.sub(r"^(\w+) - (Datamodel: )?Entry '[^']*' \([^)]*\): ", "", line)


# --- What the record model loses ---------------------------------------------------------------------------------


def bib_fields(text: str) -> dict[str, tuple[str, dict[str, str]]]:
    """key -> (entry type, {field: value}) of a .bib as bibtexparser reads it (@strings resolved, names lower case)."""
    import logging

    from bibtexparser.entrypoint import parse_string

    logger = logging.getLogger("bibtexparser")
    level, logger.level = logger.level, logging.CRITICAL  # a repeated @string is a failed block; the rest still reads
    try:
        library = parse_string(text)
    finally:
        logger.setLevel(level)
    return {
        entry.key: (entry.entry_type.lower(), {f.key.lower(): str(f.value) for f in entry.fields})
        for entry in library.entries
    }


def losses(original: str, trip: Roundtrip) -> Counter[str]:
    """How many entries lose each thing the classic styles print: a field dropped or changed, the type, the key."""
    before, after = bib_fields(original), bib_fields(trip.bibtex)
    found: Counter[str] = Counter()
    for key, (kind, fields) in before.items():
        if key not in trip.key_map:
            found["not imported (" + ("duplicate" if key in trip.skipped else "failed") + ")"] += 1
            continue
        new_key = trip.key_map[key]
        if new_key != key:
            found["key not kept"] += 1
        new_kind, new_fields = after.get(new_key, ("", {}))
        shown = kind if kind in STYLE_TYPES else "misc"
        if shown != new_kind:
            found[f"type @{kind} -> @{new_kind}"] += 1
        for name, value in fields.items():
            if name not in STYLE_FIELDS or not value.strip():
                continue
            if not new_fields.get(name, "").strip():
                found[f"drops field `{name}`"] += 1
            elif normalise(new_fields[name]) != normalise(value) and name not in ("author", "editor", "month"):
                found[f"changes field `{name}`"] += 1
    return found


# --- A whole file ------------------------------------------------------------------------------------------------


@dataclass
class FileReport:
    """Every figure for one .bib file."""

    source: Path
    trip: Roundtrip
    comparisons: dict[str, Comparison] = field(default_factory=dict)
    """By check: `plain`, `alpha`, `pandoc`."""
    biber: Formatted | None = None
    biber_original: Formatted | None = None
    """biber's verdict on the original file itself: the warnings that are the source's own."""
    losses: Counter[str] = field(default_factory=Counter)

    def new_biber_messages(self) -> list[str]:
        """biber's messages on the export that it does not give on the original (keys read as the original's)."""
        if self.biber is None or self.biber_original is None:
            return []
        original_of = {new: old for old, new in self.trip.key_map.items()}
        own = {biber_message(line, {}) for line in self.biber_original.messages}
        return [line for line in self.biber.messages if biber_message(line, original_of) not in own]

    @property
    def entries(self) -> int:
        """Entries of the original, as bibtex counts them (all cited)."""
        first = next(iter(self.comparisons.values()), None)
        return first.total if first else len(bib_fields(self.source.read_text(encoding="utf-8")))

    @property
    def keys_kept(self) -> int:
        return sum(1 for key, new in self.trip.key_map.items() if key == new)


def measure(source: Path, workdir: Path, *, bibtex: bool = True, pandoc: bool = True, biber: bool = True) -> FileReport:
    """Import and export `source`, then run the checks asked for."""
    text = source.read_text(encoding="utf-8")
    trip = roundtrip(source, workdir / "survey")
    report = FileReport(source, trip, losses=losses(text, trip))
    if bibtex:
        for style in STYLES:
            report.comparisons[style] = compare(
                style,
                bibtex_format(text, style, workdir / "bibtex" / style / "original"),
                bibtex_format(trip.bibtex, style, workdir / "bibtex" / style / "export"),
                trip.key_map,
            )
    if pandoc:
        original = workdir / "pandoc" / "original.bibtex"  # .bibtex: pandoc reads .bib files as BibLaTeX
        original.parent.mkdir(parents=True, exist_ok=True)
        original.write_text(pandoc_input(text), encoding="utf-8")
        exported = workdir / "pandoc" / "export.json"
        exported.write_text(trip.csl_json, encoding="utf-8")
        report.comparisons["pandoc"] = compare(
            "pandoc",
            pandoc_format(original, workdir / "pandoc" / "original"),
            pandoc_format(exported, workdir / "pandoc" / "export"),
            trip.key_map,
        )
    if biber:
        report.biber = biber_validate(trip.biblatex, workdir / "biber")
        report.biber_original = biber_validate(text, workdir / "biber-original")
    return report


def shipped_biblatex_warnings(workdir: Path) -> Formatted:
    """biber's verdict on `evlm export biblatex` of the shipped survey (data/papers.toml, read only)."""
    bib = evlm("--db", str(SHIPPED_DB), "export", "biblatex", cache=workdir / "cache")
    return biber_validate(bib, workdir / "biber")


def overall(reports: Iterable[FileReport], check: str) -> tuple[int, int]:
    """(identical, total) over every entry of every file for one check."""
    pairs = [(r.comparisons[check].identical, r.comparisons[check].total) for r in reports if check in r.comparisons]
    return sum(p[0] for p in pairs), sum(p[1] for p in pairs)


def to_json(reports: Iterable[FileReport]) -> dict[str, Any]:
    """The figures as plain data (benchmarks/bib_fidelity.py --json)."""
    out: dict[str, Any] = {}
    for report in reports:
        out[report.source.name] = {
            "entries": report.entries,
            "imported": len(report.trip.key_map),
            "keys_kept": report.keys_kept,
            "checks": {
                check: {
                    "identical": c.identical,
                    "total": c.total,
                    "original_errors": c.original.errors,
                    "original_warnings": c.original.warnings,
                    "export_errors": c.exported.errors,
                    "export_warnings": c.exported.warnings,
                }
                for check, c in report.comparisons.items()
            },
            "biber_warnings": report.biber.warnings if report.biber else None,
            "biber_warnings_original": report.biber_original.warnings if report.biber_original else None,
            "biber_messages_not_in_original": report.new_biber_messages(),
            "losses": dict(report.losses.most_common()),
        }
    return out
