"""How many paper lines of real awesome lists `evlm init --from` gives back as they were written.

    python benchmarks/readme_fidelity.py               # the table, for every list of tests/data/lists/
    python benchmarks/readme_fidelity.py --samples 3   # and up to 3 lines per list that did not come back
    python benchmarks/readme_fidelity.py --json        # the figures for scripts

Each list is imported into a fresh folder with the real CLI (`evlm init --from README.md`: the import records the
list's own paper line, `[survey] paper_line`, and rebuilds README.md); its entries read without repair are looked for
in the rebuilt README, byte for byte, then with evlm's own line for comparison. The harness is tests/readmefidelity.py;
tests/test_import_lists.py holds the figures as floors. It takes a few seconds.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import readmefidelity


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=0, help="lines shown per list that did not come back")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON instead of a table")
    args = parser.parse_args()
    reports = []
    with tempfile.TemporaryDirectory(prefix="evlm-readme-fidelity-") as tmp:
        for source in readmefidelity.SOURCES:
            folder = Path(tmp) / source.stem
            folder.mkdir()
            reports.append(readmefidelity.measure(source, folder))
    if args.json:
        print(json.dumps([dataclasses.asdict(r) for r in reports], indent=2, ensure_ascii=False))
        return 0
    print(
        "| list | style recorded | entries | read without repair | identical, own line | + but for trailing spaces"
        " | identical, evlm's line |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for r in reports:
        own, plain = _percent(r.own.identical, r.readable), _percent(r.evlm.identical, r.readable)
        print(
            f"| `{r.name}` | {_style(r.template)} | {r.entries} | {r.readable} | {r.own.identical} ({own})"
            f" | {r.own.spacing} | {r.evlm.identical} ({plain}) |"
        )
    total = sum(r.readable for r in reports)
    own = sum(r.own.identical for r in reports)
    spacing = sum(r.own.spacing for r in reports)
    plain = sum(r.evlm.identical for r in reports)
    print(
        f"| **all** | | **{sum(r.entries for r in reports)}** | **{total}** | **{own} ({_percent(own, total)})** |"
        f" **{spacing}** | **{plain} ({_percent(plain, total)})** |"
    )
    for r in reports:
        if r.library != (r.readable, r.own.identical, r.own.spacing):
            print(f"note: {r.name}: the import counted {r.library} (readable, identical, spacing)")
        for original, rebuilt in r.differences[: args.samples]:
            print(f"\n{r.name}:\n  - {original}\n  + {rebuilt}")
    return 0


def _style(template: str) -> str:
    if not template:
        return "evlm's own"
    first = template.split("{% endif %}", 1)[-1] if template.startswith("{% if position == 1 %}") else template
    return "table rows" if first.startswith("|") else f"`{first[:2].strip()}` " + _family(first)


def _family(template: str) -> str:
    if "<ins>" in template:
        return "`<ins>`"
    if "*{{ title }}*" in template:
        return "authors, *Title*"
    if template.lstrip("-*+ ").startswith("{% if url %}"):
        return "[Title](url) first"
    if "authors|names" in template:
        return "authors, [Title](url)"
    return "title first"


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f} %" if whole else "-"


if __name__ == "__main__":
    raise SystemExit(main())
