"""How faithfully real .bib files survive `evlm import bibtex --keep-keys` and `evlm export` (issue 10).

    python benchmarks/bib_fidelity.py                     # every check on every file of tests/data/bib/
    python benchmarks/bib_fidelity.py --bibtex --samples 5
    python benchmarks/bib_fidelity.py --pandoc --file dblp-crdt.bib
    python benchmarks/bib_fidelity.py --json > figures.json

Checks (all when none is named): --bibtex formats the original and the BibTeX export with the real bibtex (plain and
alpha) and compares the references entry by entry; --pandoc does the same with pandoc --citeproc on the original .bib
and the CSL JSON export; --biber runs biber --tool --validate-datamodel on the BibLaTeX export of each imported file
and of the shipped survey. The harness is tests/bibfidelity.py; tests/test_bib_fidelity.py holds the targets.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import bibfidelity

PROGRAMS = {"bibtex": "texlive-binaries texlive-base", "pandoc": "pandoc", "biber": "biber"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    for check in PROGRAMS:
        parser.add_argument(f"--{check}", action="store_true", help=f"run the {check} check")
    parser.add_argument("--samples", type=int, default=2, help="differences shown per file and check (default 2)")
    parser.add_argument("--file", action="append", default=[], help="only this file of tests/data/bib/ (repeatable)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON instead of tables")
    args = parser.parse_args()

    wanted = [check for check in PROGRAMS if getattr(args, check)] or list(PROGRAMS)
    checks = [check for check in wanted if shutil.which(check)]
    for check in set(wanted) - set(checks):
        print(f"note: `{check}` is not installed (apt-get install {PROGRAMS[check]}); its check is skipped")
    sources = [s for s in bibfidelity.SOURCES if not args.file or s.name in args.file]
    if not sources:
        parser.error(f"no such file in {bibfidelity.BIB_DIR}: {args.file}")

    with tempfile.TemporaryDirectory(prefix="evlm-bib-fidelity-") as tmp:
        folder = Path(tmp)
        reports = [
            bibfidelity.measure(
                source,
                folder / source.stem,
                bibtex="bibtex" in checks,
                pandoc="pandoc" in checks,
                biber="biber" in checks,
            )
            for source in sources
        ]
        shipped = bibfidelity.shipped_biblatex_warnings(folder / "shipped") if "biber" in checks else None

    if args.json:
        figures = bibfidelity.to_json(reports)
        if shipped is not None:
            figures["shipped survey (biber)"] = {"errors": shipped.errors, "warnings": shipped.warnings}
        print(json.dumps(figures, indent=2))
        return 0
    print_versions(checks)
    if "bibtex" in checks:
        print_bibtex(reports)
    if "pandoc" in checks:
        print_pandoc(reports)
    if "biber" in checks:
        print_biber(reports, shipped)
    print_losses(reports)
    print_samples(reports, args.samples)
    return 0


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f} %" if whole else "    - "


def print_versions(checks: list[str]) -> None:
    for program in checks:
        flag = "-v" if program == "biber" else "--version"
        out = subprocess.run([program, flag], capture_output=True, text=True, check=False).stdout
        print(f"{program}: {out.strip().splitlines()[0] if out.strip() else '?'}")
    print()


def print_bibtex(reports: list[bibfidelity.FileReport]) -> None:
    print("bibtex: original vs `evlm export bibtex`, every entry cited; identical references (LaTeX decoded)")
    header = f"{'file':<24} {'entries':>7} {'imported':>8} {'keys kept':>9}  {'plain same':>15}  {'alpha same':>15}"
    print(header + "  errors/warnings plain, alpha: original -> export")
    for r in reports:
        p, a = r.comparisons["plain"], r.comparisons["alpha"]
        print(
            f"{r.source.name:<24} {r.entries:>7} {len(r.trip.key_map):>8} {r.keys_kept:>9}  "
            f"{p.identical:>5} {percent(p.identical, p.total):>9}  "
            f"{a.identical:>5} {percent(a.identical, a.total):>9}  "
            f"{p.original.errors}/{p.original.warnings}, {a.original.errors}/{a.original.warnings} -> "
            f"{p.exported.errors}/{p.exported.warnings}, {a.exported.errors}/{a.exported.warnings}"
        )
    entries = sum(r.entries for r in reports)
    imported = sum(len(r.trip.key_map) for r in reports)
    kept = sum(r.keys_kept for r in reports)
    (ps, pt), (as_, at) = (bibfidelity.overall(reports, style) for style in bibfidelity.STYLES)
    print(
        f"{'all files':<24} {entries:>7} {imported:>8} {kept:>9}  {ps:>5} {percent(ps, pt):>9}  "
        f"{as_:>5} {percent(as_, at):>9}"
    )
    print()


def print_pandoc(reports: list[bibfidelity.FileReport]) -> None:
    print("pandoc --citeproc: original .bib vs `evlm export csl-json` (Chicago author-date); identical references")
    print(f"{'file':<24} {'entries':>7}  {'same':>15}  pandoc warnings: original -> export")
    for r in reports:
        c = r.comparisons["pandoc"]
        print(
            f"{r.source.name:<24} {c.total:>7}  {c.identical:>5} {percent(c.identical, c.total):>9}  "
            f"{c.original.warnings} -> {c.exported.warnings}"
        )
    same, total = bibfidelity.overall(reports, "pandoc")
    print(f"{'all files':<24} {total:>7}  {same:>5} {percent(same, total):>9}")
    print()


def print_biber(reports: list[bibfidelity.FileReport], shipped: bibfidelity.Formatted | None) -> None:
    print("biber --tool --validate-datamodel on `evlm export biblatex`: errors, warnings, most frequent warnings")
    rows = [(r.source.name + " (imported)", r.biber) for r in reports]
    rows.append(("data/papers.toml (shipped)", shipped))
    for name, verdict in rows:
        if verdict is None:
            continue
        kinds = Counter(bibfidelity.biber_message_kind(line) for line in verdict.messages)
        top = "; ".join(f"{n} x {kind}" for kind, n in kinds.most_common(3))
        print(f"{name:<36} {verdict.errors:>3} {verdict.warnings:>4}  {top}")
    print("of which not given on the original file itself (biber on the original: errors, warnings):")
    for report in reports:
        if report.biber_original is not None:
            new = report.new_biber_messages()
            original = f"{report.biber_original.errors} {report.biber_original.warnings}"
            print(f"{report.source.name:<36} {len(new):>3}  (original: {original})  " + "; ".join(new[:3]))
    print()


def print_losses(reports: list[bibfidelity.FileReport]) -> None:
    total: Counter[str] = Counter()
    for r in reports:
        total.update(r.losses)
    entries = sum(r.entries for r in reports)
    print(f"What the export loses, as entries affected (of {entries}; fields the classic styles print):")
    for what, n in total.most_common():
        print(f"  {n:>4}  {what}")
    print()


def print_samples(reports: list[bibfidelity.FileReport], samples: int) -> None:
    if samples <= 0:
        return
    print("Samples of differences (original, then export; `None`: not in the export)")
    for r in reports:
        for check, c in r.comparisons.items():
            for d in c.differences[:samples]:
                print(f"- {r.source.name} / {check} / {d.key}")
                print(f"    original: {d.original}")
                print(f"    export:   {d.exported}")
    print()


if __name__ == "__main__":
    sys.exit(main())
