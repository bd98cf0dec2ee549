"""Rules on titles: a file name or citation key as title, a one-word title, a title arXiv does not give."""

from __future__ import annotations

import re
from collections.abc import Iterator

from evlm_cli import dedupe
from evlm_cli.lint.findings import Finding
from evlm_cli.lint.rules.registry import Context, rule
from evlm_cli.lint.rules.venue_names import venue_key

_CVF_FILE = re.compile(r"^(?:[A-Z][A-Za-z'\-]*_)?(?P<title>.+?)_(?P<venue>CVPR|ICCV|ECCV|WACV)_(?P<year>\d{4})_paper$")
_NEURIPS_FILE = re.compile(r"^(?P<venue>NeurIPS|NIPS)-(?P<year>\d{4})-(?P<title>.+?)-Paper(?:-Conference)?$", re.I)
_CITATION_KEY = re.compile(r"^[a-z]+\d{4}[a-z]+$")


def filename_title(title: str) -> tuple[str, str, int | None] | None:
    """If a title is a file name or citation key, (a readable guess at the title, the venue, the year) it gives."""
    stripped = title.strip().removesuffix(".pdf")
    if match := _CVF_FILE.match(stripped):
        return match["title"].replace("_", " "), match["venue"].upper(), int(match["year"])
    if match := _NEURIPS_FILE.match(stripped):
        return match["title"].replace("-", " "), "NeurIPS", int(match["year"])
    if "_" in stripped and " " not in stripped:
        return stripped.replace("_", " "), "", None
    if _CITATION_KEY.match(stripped) or title.strip().lower().endswith(".pdf"):
        return "", "", None
    return None


@rule("title-filename")
def title_filename(context: Context) -> Iterator[Finding]:
    """A title that is a file name or a citation key (`Lin_MoPE-CLIP_..._CVPR_2024_paper`,
    `NeurIPS-2023-...-Paper-Conference`, underscores for spaces).

    The title was copied from a PDF's file name. Use the paper's real title (from arXiv or the proceedings); the
    file name also tells the venue and year, which the message compares with the entry's."""
    for paper in context.survey.papers:
        found = filename_title(paper.title)
        if found is None:
            continue
        guess, venue, year = found
        message = "title looks like a file name or citation key"
        if venue and year and (venue.lower() != venue_key(paper.venue) or year != paper.year):
            message += f"; the name says {venue} {year}, the entry says {paper.venue or '?'} {paper.year or '?'}"
        hint = f"use the paper's real title, perhaps {guess!r}" if guess else "use the paper's real title"
        yield context.finding(paper, "title-filename", "title", message, hint)


@rule("title-incomplete")
def title_incomplete(context: Context) -> Iterator[Finding]:
    """A title of one word (`M2IST`, `KD-VLP`): only the method's name, without the paper's title.

    Readers search for the full title; give it (`KD-VLP: Improving End-to-End Vision-and-Language Pretraining with
    Object Knowledge Distillation`)."""
    for paper in context.survey.papers:
        title = paper.title.strip()
        if " " not in title and filename_title(title) is None:
            yield context.finding(
                paper, "title-incomplete", "title", f"title {title!r} is a single word", "give the full title"
            )


@rule("title-mismatch")
def title_mismatch(context: Context) -> Iterator[Finding]:
    """The title differs from the one arXiv gives for the paper's arXiv id (known after `evlm check --links`).

    `check --links` records the title of each arXiv abstract page it fetches; a clearly different title means the
    entry's title or its arXiv id is wrong."""
    if not context.fetched_titles:
        return
    for paper in context.survey.papers:
        if paper.arxiv is None:
            continue
        for link in paper.links:
            fetched = context.fetched_titles.get(link.url)
            if fetched and dedupe.title_similarity(fetched, paper.title) < _MISMATCH:
                yield context.finding(
                    paper,
                    "title-mismatch",
                    "title",
                    f"arXiv {paper.arxiv} is titled {fetched!r}",
                    "correct the title, or the arXiv id and links if they belong to another paper",
                )
                break


_MISMATCH = 0.8
"""Titles less similar than this (difflib ratio of normalised titles) are different papers, not variants."""


_MARKUP = (
    (re.compile(r"</?[A-Za-z]+[^>]*>|/ins>|<ins\b", re.I), "an HTML tag"),
    (re.compile(r"\[\[|\]\]|\]\(|\*\*|!\["), "Markdown"),
    (re.compile(r"shields\.io|badge", re.I), "a badge"),
    (re.compile(r"^\s*\[(?:19|20)\d{2}\]|[,(]\s*(?:19|20)\d{2}\)?\s*$|\b(?:19|20)\d{2}/\d{1,2}\b"), "a date"),
)


def title_markup(title: str) -> str | None:
    """What leftover markup a title holds (an HTML tag, Markdown, a badge, a date), or None."""
    for pattern, what in _MARKUP:
        if pattern.search(title):
            return what
    return None


@rule("title-markup")
def title_markup_rule(context: Context) -> Iterator[Finding]:
    """A title with leftover markup: an HTML tag (`</ins>`), Markdown (`[[`, `**`), a badge or a date (`[2024]`).

    Usually damage from an import or a hand edit of an awesome list: the README and BibTeX show the markup. Keep
    only the paper's title; the venue and year have their own fields."""
    for paper in context.survey.papers:
        what = title_markup(paper.title)
        if what is not None:
            yield context.finding(
                paper, "title-markup", "title", f"title holds {what}: {paper.title!r}", "keep only the paper's title"
            )
