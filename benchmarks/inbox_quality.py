"""How well `evlm inbox fetch` ranks and filters arXiv listings for the shipped survey.

    python benchmarks/inbox_quality.py

Two listings from tests/data/ (see tests/data/SOURCES.md): `arxiv_search_efficient_vlm.xml`, written by hand in the
API's feed format with 15 real papers that fit a section of this survey and 12 real papers of the same categories
that do not (each entry labelled with `evlm:fits`), and `arxiv_search_au_del_maestro.xml`, a real recorded API answer
of 10 physics papers (none fit). Every paper is scored as `evlm inbox fetch` scores it (`inbox.score`, the model
`evlm add` suggests a section with), then ranked best first. Printed: how many of the top 10 fit a section, how many
fitting papers `inbox.MIN_SCORE` keeps, how many non-fitting ones it filters out, and how often the suggested
section is the labelled one.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from evlm_cli import db, inbox

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
LABELLED = re.compile(r'<entry evlm:fits="([^"]*)">\s*<id>http://arxiv.org/abs/([^<]+?)v\d+</id>')


def labels(raw: bytes) -> dict[str, str]:
    """arXiv id -> the labelled section ('' for a paper that fits none)."""
    return {arxiv_id: section for section, arxiv_id in LABELLED.findall(raw.decode("utf-8"))}


def main() -> None:
    from evlm_cli.sources import arxiv

    survey = db.load(ROOT / "data" / "papers.toml")
    listing = (DATA / "arxiv_search_efficient_vlm.xml").read_bytes()
    physics = (DATA / "arxiv_search_au_del_maestro.xml").read_bytes()
    truth = labels(listing) | {p.arxiv or "": "" for p in arxiv.parse_feed(physics).papers}
    papers = [*arxiv.parse_feed(listing).papers, *arxiv.parse_feed(physics).papers]
    scored = sorted(inbox.score(survey, papers, today=dt.date(2025, 1, 31)), key=lambda c: -c.score)
    fits = [c for c in scored if truth[c.arxiv]]
    others = [c for c in scored if not truth[c.arxiv]]
    top = sum(1 for c in scored[:10] if truth[c.arxiv])
    kept = sum(1 for c in fits if c.score >= inbox.MIN_SCORE)
    dropped = sum(1 for c in others if c.score < inbox.MIN_SCORE)
    dropped_physics = sum(1 for c in others if c.score < inbox.MIN_SCORE and c.category.startswith("cond-mat"))
    physics_count = sum(1 for c in others if c.category.startswith("cond-mat"))
    right = sum(1 for c in fits if c.section == truth[c.arxiv])
    print(f"papers: {len(scored)} ({len(fits)} fit a section, {len(others)} do not)")
    print(f"top 10: {top} of 10 fit a section")
    print(f"kept at MIN_SCORE {inbox.MIN_SCORE}: {kept} of {len(fits)} fitting papers")
    print(
        f"filtered out: {dropped} of {len(others)} non-fitting papers "
        f"({dropped - dropped_physics} of {len(others) - physics_count} same-field, "
        f"{dropped_physics} of {physics_count} physics)"
    )
    print(f"suggested section = labelled section: {right} of {len(fits)}")


if __name__ == "__main__":
    main()
