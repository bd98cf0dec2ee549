"""How often each `evlm check` rule is right on real awesome lists: findings and precision per rule.

    python benchmarks/check_precision.py

Each list in tests/data/lists/ (see tests/data/SOURCES.md) is imported as `evlm import readme` imports it, written to a
temporary database, read back and linted as `evlm check` lints it (generated files not compared). Precision is how many
of a rule's findings the list's maintainer would act on, by the hand labels in tests/data/lists/check_labels.toml
(one per finding of the rules before issue 12 tuned them). Printed per rule: severity, findings now, findings then,
and precision then and now (over the labelled findings; a finding without a label is counted as unlabelled).
"""

from __future__ import annotations

import tempfile
import tomllib
from collections import Counter
from pathlib import Path

from evlm_cli import db
from evlm_cli.importers.readme import parse_readme
from evlm_cli.lint import check, rules
from evlm_cli.lint.findings import Finding

ROOT = Path(__file__).resolve().parents[1]
LISTS = ROOT / "tests" / "data" / "lists"


def labels() -> dict[tuple[str, str, str], bool]:
    """(list, key or '-', rule) -> would the maintainer act on it."""
    data = tomllib.loads((LISTS / "check_labels.toml").read_text(encoding="utf-8"))
    return {(row["list"], row["key"], row["rule"]): bool(row["act"]) for row in data["label"]}


def findings(readme: Path, folder: Path) -> list[Finding]:
    """The findings of `evlm check` on the survey imported from `readme`."""
    path = folder / f"{readme.stem}.toml"
    path.write_text(db.dumps(parse_readme(readme.read_text(encoding="utf-8")).survey), encoding="utf-8")
    return check.run(path, generated_files=False).findings


def main() -> None:
    judged = labels()
    now: Counter[str] = Counter()
    acted_now: Counter[str] = Counter()
    unlabelled: Counter[str] = Counter()
    with tempfile.TemporaryDirectory() as folder:
        for readme in sorted(LISTS.glob("*.md")):
            for finding in findings(readme, Path(folder)):
                now[finding.rule] += 1
                act = judged.get((readme.stem, finding.key or "-", finding.rule))
                if act is None:
                    unlabelled[finding.rule] += 1
                acted_now[finding.rule] += bool(act)
    then = Counter(rule for _, _, rule in judged)
    acted_then = Counter(rule for (_, _, rule), act in judged.items() if act)
    print(f"{'rule':<20} {'severity':<8} {'then':>5} {'precision':>10} {'now':>5} {'precision':>10} unlabelled")
    for name in sorted(set(now) | set(then)):

        def share(acted: int, total: int) -> str:
            return f"{acted}/{total}" if total else "-"

        labelled_now = now[name] - unlabelled[name]
        print(
            f"{name:<20} {rules.RULES[name].severity:<8} {then[name]:>5} {share(acted_then[name], then[name]):>10} "
            f"{now[name]:>5} {share(acted_now[name], labelled_now):>10} {unlabelled[name] or ''}"
        )
    print(f"{len(judged)} findings labelled by hand (every finding of the rules before tuning)")


if __name__ == "__main__":
    main()
