"""The offline rules of `evlm check`: one small function per rule, registered under its name.

Each rule takes a `Context` (the survey, its TOML lines, titles fetched by `check --links`) and yields Findings. The
rule's docstring is its explanation (`evlm check --explain RULE`): the first line says what it finds, the rest why.
"""

from __future__ import annotations

import difflib
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from evlm_cli import ids
from evlm_cli.lint.findings import Finding, Severity, sort_key
from evlm_cli.model import Paper, Survey
from evlm_cli.text import ascii_fold, normalize_title

# -- the registry -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rule:
    """A named check: its function (None for rules only `check --links` or the loader apply) and its severity."""

    name: str
    severity: Severity
    doc: str
    run: Callable[[Context], Iterable[Finding]] | None = None

    @property
    def summary(self) -> str:
        return self.doc.strip().splitlines()[0]


RULES: dict[str, Rule] = {}
"""Every rule by name, in the order `--explain` lists them."""


def rule(name: str, severity: Severity = "warning") -> Callable[[Callable[[Context], Iterable[Finding]]], Rule]:
    """Register a rule function under `name`; its docstring becomes the rule's explanation."""

    def register(function: Callable[[Context], Iterable[Finding]]) -> Rule:
        spec = Rule(name, severity, function.__doc__ or name, function)
        RULES[name] = spec
        return spec

    return register


def describe(name: str, severity: Severity, doc: str) -> None:
    """Register a rule applied outside this module (schema errors, link checks), so it can be explained and ignored."""
    RULES[name] = Rule(name, severity, doc)


describe(
    "schema",
    "error",
    """The database breaks its schema: invalid TOML, an unknown field, a wrong type, an unknown section.

    `evlm check` reports the first such error with its file and line and exits 1; nothing else can be checked
    until it is fixed.""",
)


describe(
    "broken-link",
    "warning",
    """A link that does not work: HTTP 4xx or 5xx, a timeout, a DNS or connection failure (`check --links` only).

    Transient failures are retried first. Fix the URL, or point it at an archived copy.""",
)
describe(
    "permanent-redirect",
    "info",
    """A link that permanently redirects (HTTP 301 or 308) elsewhere (`check --links` only).

    The link still works; update it to the address it redirects to, which the message gives.""",
)


@dataclass
class Context:
    """What the rules look at."""

    survey: Survey
    lines: dict[str, int] = field(default_factory=dict)
    """Paper key -> line of its `[[papers]]` record."""
    section_lines: dict[str, int] = field(default_factory=dict)
    db_path: Path | None = None
    """The database file, for the generated-file rule; None skips that rule."""
    fetched_titles: dict[str, str] = field(default_factory=dict)
    """URL -> the title its page gave when `check --links` fetched it (arXiv abs pages)."""

    def finding(
        self,
        paper: Paper,
        rule_name: str,
        field_name: str,
        message: str,
        hint: str | None = None,
    ) -> Finding:
        return Finding(
            RULES[rule_name].severity, rule_name, paper.key, field_name, message, self.lines.get(paper.key), hint
        )


def run(context: Context, *, ignore: Iterable[str] = ()) -> list[Finding]:
    """Every finding of every offline rule, without the ignored rules (per run and per paper), in a stable order."""
    skipped = set(ignore)
    found: list[Finding] = []
    for spec in RULES.values():
        if spec.run is not None and spec.name not in skipped:
            found.extend(spec.run(context))
    return without_ignored(found, context.survey, skipped)


def without_ignored(findings: Iterable[Finding], survey: Survey, ignore: Iterable[str] = ()) -> list[Finding]:
    """The findings whose rule is neither ignored for this run nor in their paper's `ignore = [...]`, sorted."""
    skipped = set(ignore)
    per_paper = {paper.key: set(paper.ignore) for paper in survey.papers}
    kept = [f for f in findings if f.rule not in skipped and (f.key is None or f.rule not in per_paper.get(f.key, ()))]
    return sorted(kept, key=sort_key)


# -- shared helpers ---------------------------------------------------------------------------------


def _title_similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, normalize_title(a), normalize_title(b)).ratio()


SAME_TITLE = 0.95
"""Two titles at least this similar (after `normalize_title`) name the same paper."""


def _others(keys: list[str], key: str) -> str:
    return ", ".join(k for k in keys if k != key)


# -- duplicates -------------------------------------------------------------------------------------


def _groups(papers: Iterable[Paper], value: Callable[[Paper], str | None]) -> list[list[Paper]]:
    groups: dict[str, list[Paper]] = defaultdict(list)
    for paper in papers:
        found = value(paper)
        if found:
            groups[found].append(paper)
    return [group for group in groups.values() if len(group) > 1]


def _all_same_title(group: list[Paper]) -> bool:
    return all(_title_similarity(group[0].title, p.title) >= SAME_TITLE for p in group[1:])


def _arxiv(paper: Paper) -> str | None:
    return paper.arxiv


def _doi(paper: Paper) -> str | None:
    return paper.doi


_ID_FIELDS: tuple[tuple[str, Callable[[Paper], str | None]], ...] = (("arXiv id", _arxiv), ("DOI", _doi))


@rule("duplicate-paper")
def duplicate_paper(context: Context) -> Iterator[Finding]:
    """A paper listed twice: the same arXiv id or DOI with the same title, or near-identical titles.

    Titles are compared after `normalize_title` (case, accents and punctuation ignored) with a difflib ratio of
    0.95 or more. Keep one entry (in the section that fits best) and delete the others."""
    papers = context.survey.papers
    reported: set[tuple[str, str]] = set()
    for label, value in _ID_FIELDS:
        for group in _groups(papers, value):
            if not _all_same_title(group):
                continue  # `conflicting-id` reports these
            keys = [p.key for p in group]
            for paper in group:
                reported.update((paper.key, other) for other in keys)
                yield context.finding(
                    paper,
                    "duplicate-paper",
                    "arxiv" if label == "arXiv id" else "doi",
                    f"listed more than once: same {label} {value(paper)} and title as {_others(keys, paper.key)}",
                    "keep one entry and delete the others",
                )
    for paper, other in similar_titles(papers):
        if (paper.key, other.key) not in reported:
            for this, that in ((paper, other), (other, paper)):
                yield context.finding(
                    this,
                    "duplicate-paper",
                    "title",
                    f"listed more than once: near-identical title to {that.key}",
                    "keep one entry and delete the other",
                )


def similar_titles(papers: Iterable[Paper]) -> Iterator[tuple[Paper, Paper]]:
    """Pairs of papers whose normalised titles have a difflib ratio of at least SAME_TITLE.

    Titles are sorted by length, and two strings can only reach the ratio if their lengths are close
    (2·min/(a+b) ≥ SAME_TITLE), so each title is compared with a short window of others, and difflib's cheap upper
    bounds rule out most pairs before the full ratio is computed. A thousand papers take well under a second."""
    items = sorted(((normalize_title(p.title), p) for p in papers if normalize_title(p.title)), key=lambda i: len(i[0]))
    longest = 2 / SAME_TITLE - 1  # b may be at most this many times as long as a
    for i, (title, paper) in enumerate(items):
        matcher = difflib.SequenceMatcher(None, autojunk=False)
        matcher.set_seq2(title)
        for other_title, other in items[i + 1 :]:
            if len(other_title) > len(title) * longest:
                break
            matcher.set_seq1(other_title)
            if (
                matcher.real_quick_ratio() >= SAME_TITLE
                and matcher.quick_ratio() >= SAME_TITLE
                and matcher.ratio() >= SAME_TITLE
            ):
                yield paper, other


@rule("conflicting-id")
def conflicting_id(context: Context) -> Iterator[Finding]:
    """Papers with different titles share one arXiv id or DOI, so at most one of them has the right id.

    This usually comes from copying a neighbouring entry's links. Look each title up and correct the ids (and the
    links they came from)."""
    for label, value in _ID_FIELDS:
        name = "arxiv" if label == "arXiv id" else "doi"
        for group in _groups(context.survey.papers, value):
            if _all_same_title(group):
                continue
            keys = [p.key for p in group]
            for paper in group:
                yield context.finding(
                    paper,
                    "conflicting-id",
                    name,
                    f"{label} {value(paper)} is also on {_others(keys, paper.key)}, whose titles differ",
                    f"at most one of them is right: look the title up and fix this paper's {label} and links",
                )


@rule("shared-url")
def shared_url(context: Context) -> Iterator[Finding]:
    """One Paper URL, or one Code URL, is shared by papers with different titles.

    Two papers do not share a paper, and rarely a repository; the link was most likely copied from another entry."""
    for label in ("Paper", "Code"):
        groups = _groups(context.survey.papers, lambda p, label=label: _url_key(p.link(label)))  # type: ignore[misc]
        for group in groups:
            if _all_same_title(group):
                continue  # `duplicate-paper` reports these
            keys = [p.key for p in group]
            for paper in group:
                yield context.finding(
                    paper,
                    "shared-url",
                    "links",
                    f"{label} link {paper.link(label)} is also the {label} link of {_others(keys, paper.key)}",
                    f"find this paper's own {label.lower()} link",
                )


def _url_key(url: str | None) -> str | None:
    """A URL without scheme, `www.`, query and trailing slash, so trivially different spellings compare equal."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    query = "&".join(sorted(q for q in parts.query.split("&") if q and not q.startswith(_TRACKING)))
    return f"{host}{parts.path.rstrip('/')}" + (f"?{query}" if query else "")


_TRACKING = ("tab=", "utm_")
"""Query parameters that do not change what a URL points at (GitHub's `?tab=readme-ov-file`, analytics)."""


# -- link kinds -------------------------------------------------------------------------------------

_CODE_HOSTS = {
    "github.com",
    "gitlab.com",
    "bitbucket.org",
    "codeberg.org",
    "sourceforge.net",
    "gitee.com",
    "colab.research.google.com",
}
_PAPER_HOSTS = {
    "arxiv.org",
    "doi.org",
    "dx.doi.org",
    "openreview.net",
    "aclanthology.org",
    "ieeexplore.ieee.org",
    "dl.acm.org",
    "proceedings.neurips.cc",
    "papers.nips.cc",
    "openaccess.thecvf.com",
    "proceedings.mlr.press",
    "link.springer.com",
    "sciencedirect.com",
    "ojs.aaai.org",
    "ijcai.org",
    "semanticscholar.org",
}


def link_kind(url: str) -> str:
    """'paper', 'code', 'dataset' or 'other', judged from the host and path of a URL."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    first = parts.path.strip("/").split("/")[0].lower()
    if (host == "huggingface.co" and first == "datasets") or (host == "kaggle.com" and first == "datasets"):
        return "dataset"
    if host == "paperswithcode.com" and first in ("dataset", "datasets"):
        return "dataset"
    if host in _CODE_HOSTS:
        return "code"
    if host == "huggingface.co" and first != "papers":
        return "code"  # models and spaces: weights and demo code
    if host in _PAPER_HOSTS or host.endswith(".arxiv.org") or (host == "huggingface.co" and first == "papers"):
        return "paper"
    return "other"


_KIND_NAMES = {"code": "a code repository", "dataset": "a dataset page", "paper": "a paper page"}


@rule("paper-link-kind")
def paper_link_kind(context: Context) -> Iterator[Finding]:
    """A Paper link that is not a paper: it points at a code host (GitHub, GitLab) or a dataset page.

    Often the link belongs to another paper (its code), copied by mistake. Point Paper at the paper itself (arXiv,
    the proceedings, a DOI); if the link is this paper's code, label it Code instead."""
    for paper in context.survey.papers:
        url = paper.paper_url
        if url and (kind := link_kind(url)) in ("code", "dataset"):
            yield context.finding(
                paper,
                "paper-link-kind",
                "links",
                f"Paper link {url} is {_KIND_NAMES[kind]}, not a paper",
                "link the paper itself (arXiv, proceedings, DOI); label the link Code if it is this paper's code",
            )


@rule("code-link-kind")
def code_link_kind(context: Context) -> Iterator[Finding]:
    """A Code link that is not code: it points at a dataset page or a paper page.

    A dataset is not the paper's code (and a dataset of another topic is a copied link). Point Code at the
    paper's repository, or drop the link."""
    for paper in context.survey.papers:
        url = paper.code_url
        if url and (kind := link_kind(url)) in ("paper", "dataset"):
            yield context.finding(
                paper,
                "code-link-kind",
                "links",
                f"Code link {url} is {_KIND_NAMES[kind]}, not code",
                "link the paper's code repository, or remove the Code link",
            )


# -- titles -----------------------------------------------------------------------------------------

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
    """A title that is a file name or a citation key (`Lin_MoPE-CLIP_..._CVPR_2024_paper`, `NeurIPS-2023-...-Paper-
    Conference`, underscores for spaces).

    The title was copied from a PDF's file name. Use the paper's real title (from arXiv or the proceedings); the
    file name also tells the venue and year, which the message compares with the entry's."""
    for paper in context.survey.papers:
        found = filename_title(paper.title)
        if found is None:
            continue
        guess, venue, year = found
        message = "title looks like a file name or citation key"
        if venue and year and (venue.lower() != _venue_key(paper.venue) or year != paper.year):
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
            if fetched and _title_similarity(fetched, paper.title) < _MISMATCH:
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


# -- years ------------------------------------------------------------------------------------------


@rule("year-arxiv")
def year_arxiv(context: Context) -> Iterator[Finding]:
    """A year that cannot be right: before the year of the paper's arXiv id, or `arXiv, YEAR` where YEAR is not
    the id's year.

    An arXiv id starts with the year and month it was assigned (2111.12293 is November 2021). A paper cannot be
    published before it, and an entry citing only arXiv should give the year of the arXiv version."""
    for paper in context.survey.papers:
        parsed = ids.parse_arxiv_id(paper.arxiv) if paper.arxiv else None
        if parsed is None or paper.year is None:
            continue
        if paper.year < parsed.year:
            yield context.finding(
                paper,
                "year-arxiv",
                "year",
                f"year {paper.year} is before its arXiv id {parsed.id} ({parsed.year})",
                f"set year = {parsed.year} or later",
            )
        elif _venue_key(paper.venue) == "arxiv" and paper.year != parsed.year:
            yield context.finding(
                paper,
                "year-arxiv",
                "year",
                f"listed as arXiv, {paper.year}, but arXiv id {parsed.id} is from {parsed.year}",
                f"set year = {parsed.year}, or give the venue that published it in {paper.year}",
            )


# -- venues -----------------------------------------------------------------------------------------

_VENUE_ALIASES = {
    "nips": "neurips",
    "neuralinformationprocessingsystems": "neurips",
    "advancesinneuralinformationprocessingsystems": "neurips",
    "internationalconferenceonlearningrepresentations": "iclr",
    "internationalconferenceonmachinelearning": "icml",
    "computervisionandpatternrecognition": "cvpr",
    "ieeecvfconferenceoncomputervisionandpatternrecognition": "cvpr",
    "internationalconferenceoncomputervision": "iccv",
    "europeanconferenceoncomputervision": "eccv",
    "arxivpreprint": "arxiv",
    "corr": "arxiv",
    "acmmultimedia": "acmmm",
    "mm": "acmmm",
}
_CANONICAL_VENUES = {"neurips": "NeurIPS", "iclr": "ICLR", "icml": "ICML", "cvpr": "CVPR", "arxiv": "arXiv"}
_NOT_VENUES = {
    "ieee": "IEEE is a publisher",
    "ieeecvf": "IEEE/CVF publishes several conferences",
    "cvf": "the CVF publishes several conferences",
    "acm": "ACM is a publisher",
    "springer": "Springer is a publisher",
    "elsevier": "Elsevier is a publisher",
    "openreview": "OpenReview hosts many venues",
    "ieeexplore": "IEEE Xplore is a library",
    "proceedings": "'proceedings' names no venue",
    "conference": "'conference' names no venue",
    "journal": "'journal' names no venue",
}


def _venue_key(venue: str) -> str:
    """The comparable form of a venue: letters only (digits of a year dropped), lower case, aliases resolved."""
    key = "".join(re.findall(r"[a-z]+", ascii_fold(venue).lower()))
    return _VENUE_ALIASES.get(key, key)


@rule("not-a-venue")
def not_a_venue(context: Context) -> Iterator[Finding]:
    """A venue that is not a venue: a publisher or organisation (`IEEE/CVF`, `ACM`), not a conference or journal.

    Readers want to know where the paper appeared (CVPR, ICCV, ACM MM, TPAMI); the paper's link page says."""
    for paper in context.survey.papers:
        reason = _NOT_VENUES.get(_venue_key(paper.venue))
        if reason:
            yield context.finding(
                paper,
                "not-a-venue",
                "venue",
                f"venue {paper.venue!r} is not a venue: {reason}",
                "name the conference or journal (e.g. CVPR, ICCV, ACM MM), as the paper's page gives it",
            )


@rule("venue-spelling")
def venue_spelling(context: Context) -> Iterator[Finding]:
    """One venue spelled in several ways across the list (`NeurIPS` and `NIPS`, `ICLR` and `Iclr 2024`).

    Filters such as `evlm list --venue` and the README's consistency need one spelling; the message suggests the
    list's most common one (or the usual name)."""
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    for paper in context.survey.papers:
        if paper.venue.strip():
            spellings[_venue_key(paper.venue)][paper.venue] += 1
    for paper in context.survey.papers:
        forms = spellings.get(_venue_key(paper.venue))
        if not forms or len(forms) < 2:
            continue
        preferred = _CANONICAL_VENUES.get(_venue_key(paper.venue), "")
        if preferred not in forms:
            preferred = min(forms, key=lambda form: (-forms[form], form))
        if paper.venue != preferred:
            yield context.finding(
                paper,
                "venue-spelling",
                "venue",
                f"venue {paper.venue!r} is spelled {preferred!r} elsewhere ({forms[preferred]} papers)",
                f"write venue = {preferred!r}",
            )


# -- missing fields and empty sections ---------------------------------------------------------------

MANY_MISSING = 10
"""When at least this many papers, and most of the list, miss a field, one list-wide finding replaces theirs."""


def _missing(context: Context, rule_name: str, field_name: str, what: str, hint: str) -> Iterator[Finding]:
    lacking = [p for p in context.survey.papers if _lacks(p, field_name) and rule_name not in p.ignore]
    total = len(context.survey.papers)
    if len(lacking) >= MANY_MISSING and 2 * len(lacking) > total:
        first = ", ".join(p.key for p in lacking[:3])
        yield Finding(
            RULES[rule_name].severity,
            rule_name,
            None,
            field_name,
            f"{len(lacking)} of {total} papers have no {what} (first: {first}, ...)",
            hint=hint,
        )
        return
    for paper in lacking:
        yield context.finding(paper, rule_name, field_name, f"no {what}", hint)


def _lacks(paper: Paper, field_name: str) -> bool:
    if field_name == "links":
        return paper.paper_url is None
    if field_name == "authors":
        return not any(a.strip() for a in paper.authors)
    return paper.year is None


@rule("missing-paper-link")
def missing_paper_link(context: Context) -> Iterator[Finding]:
    """A paper without a link labelled Paper: readers cannot open it."""
    yield from _missing(context, "missing-paper-link", "links", "Paper link", "add { label = 'Paper', url = ... }")


@rule("missing-year")
def missing_year(context: Context) -> Iterator[Finding]:
    """A paper without a year: the README and BibTeX cannot date it."""
    yield from _missing(context, "missing-year", "year", "year", "add year = YYYY")


@rule("missing-authors")
def missing_authors(context: Context) -> Iterator[Finding]:
    """A paper without authors: its BibTeX entry cannot be cited properly.

    When most of the list lacks authors (the published list never had them), one list-wide finding is reported
    instead of one per paper."""
    yield from _missing(
        context, "missing-authors", "authors", "authors", "fill them in from arXiv or the proceedings page"
    )


@rule("empty-section", "info")
def empty_section(context: Context) -> Iterator[Finding]:
    """A section with no papers, directly or in its subsections: its heading leads nowhere.

    Information only: a taxonomy may announce sections before their papers arrive."""
    survey = context.survey
    filled = {p.section for p in survey.papers}
    for section in survey.sections:
        if not survey.subtree(section.id) & filled:
            yield Finding(
                RULES["empty-section"].severity,
                "empty-section",
                None,
                "section",
                f"section {section.title!r} ({section.id}) has no papers",
                context.section_lines.get(section.id),
                "add its papers, or remove the section",
            )


# -- section fit ------------------------------------------------------------------------------------

_STOPWORDS = set(
    """a an and are as at by for from in into is it of on or the to towards toward via with without using use
    based beyond through than more when what how your you we our new vs versus way model models vision language
    visual large vlm vlms llm llms mllm mllms multimodal multi modal paper efficient efficiently""".split()
)
_SUFFIXES = (
    "izations",
    "ization",
    "ations",
    "ation",
    "izing",
    "ized",
    "ize",
    "ings",
    "ing",
    "ion",
    "ed",
    "es",
    "s",
    "e",
)
SECTION_TITLE_WEIGHT = 0.5
"""How much a section's own title (and its parents') counts against the titles of its papers."""
FIT_MARGIN = 0.12
"""Another section must beat the paper's own by this much cosine similarity before `section-fit` warns."""
FIT_MINIMUM = 0.2
"""... and fit the paper at least this well."""
SUGGEST_MINIMUM = 0.15
"""A paper that shares no word with its section is pointed at the closest other section only if it fits this well."""


def _stem(word: str) -> str:
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def words(text: str) -> list[str]:
    """The content words of a title, lower-cased and crudely stemmed (`Pruning` and `Pruned` -> `prun`)."""
    found = re.findall(r"[a-z0-9]+", ascii_fold(text.replace("_", " ")).lower())
    return [_stem(w) for w in found if w not in _STOPWORDS and len(w) > 1 and not w.isdigit()]


Vector = dict[str, float]


def _unit(vector: Vector) -> Vector:
    norm = math.sqrt(sum(v * v for v in vector.values()))
    return {k: v / norm for k, v in vector.items()} if norm else {}


def _add(total: Vector, vector: Vector, weight: float = 1.0) -> None:
    for k, v in vector.items():
        total[k] = total.get(k, 0.0) + weight * v


def _cosine(a: Vector, b: Vector) -> float:
    a, b = _unit(a), _unit(b)
    return sum(v * b.get(k, 0.0) for k, v in a.items())


def section_scores(survey: Survey) -> dict[str, dict[str, float]]:
    """For each paper, the TF-IDF cosine of its title with each leaf section (its papers' titles and its own).

    A paper's own section is scored without the paper itself, so a paper never votes for its own section."""
    documents = {p.key: words(p.title) for p in survey.papers}
    frequency: Counter[str] = Counter()
    for document in documents.values():
        frequency.update(set(document))
    count = len(documents) + 1

    def tfidf(tokens: list[str]) -> Vector:
        return {w: n * math.log(count / (1 + frequency[w])) + 1e-3 for w, n in Counter(tokens).items()}

    vectors = {key: _unit(tfidf(tokens)) for key, tokens in documents.items()}
    leaves = [s for s in survey.sections if not survey.children(s.id)]
    profiles: dict[str, Vector] = {}
    titles: dict[str, Vector] = {}
    for section in leaves:
        titles[section.id] = _unit(tfidf(words(" ".join(s.title for s in survey.ancestry(section.id)))))
        profile: Vector = {}
        for paper in survey.papers_in(section.id):
            _add(profile, vectors[paper.key])
        profiles[section.id] = profile
    scores: dict[str, dict[str, float]] = {}
    for paper in survey.papers:
        row = {}
        for section in leaves:
            profile = dict(profiles[section.id])
            if paper.section == section.id:
                _add(profile, vectors[paper.key], -1.0)
            combined = _unit({k: v for k, v in profile.items() if v > 1e-9})
            _add(combined, titles[section.id], SECTION_TITLE_WEIGHT)
            row[section.id] = _cosine(vectors[paper.key], combined)
        scores[paper.key] = row
    return scores


@rule("section-fit")
def section_fit(context: Context) -> Iterator[Finding]:
    """A paper whose title fits another section much better than its own, or shares no word with its own.

    Each leaf section is described by its heading (with its parents') and the titles of its other papers; the
    paper's title is compared with each by TF-IDF cosine similarity. It warns when another section beats the
    paper's own by a clear margin (and suggests it), or when the title shares no content word with its section's
    headings and fits its section mates no better than elsewhere (catch-all `Other ...` sections excepted).
    Silence a reviewed placement with `ignore = ["section-fit"]` on the paper."""
    survey = context.survey
    for key, row in section_scores(survey).items():
        paper = survey.paper(key)
        own = row.get(paper.section)
        if own is None or len(row) < 2:
            continue
        best = max((s for s in row if s != paper.section), key=lambda s: (row[s], s))
        path = survey.section_path(paper.section)
        if row[best] >= FIT_MINIMUM and row[best] - own >= FIT_MARGIN:
            yield context.finding(
                paper,
                "section-fit",
                "section",
                f"filed under {path!r}, but its title fits {survey.section_path(best)!r} better "
                f"({row[best]:.2f} against {own:.2f})",
                f"move it: section = {best!r} (or ignore = ['section-fit'] if it belongs here)",
            )
        elif _off_topic(survey, paper) and own < row[best]:
            closest = f"; closest by title: {best!r}" if row[best] >= SUGGEST_MINIMUM else ""
            yield context.finding(
                paper,
                "section-fit",
                "section",
                f"filed under {path!r}, but its title shares no word with that heading",
                f"move it to the section it belongs to{closest} (or ignore = ['section-fit'] if it belongs here)",
            )


MIN_TITLE_WORDS = 3
"""A title with fewer content words says too little to judge its section (`title-incomplete` reports those)."""


def _heading_words(survey: Survey, section_id: str) -> set[str]:
    return set(words(" ".join(s.title for s in survey.ancestry(section_id))))


def _off_topic(survey: Survey, paper: Paper) -> bool:
    """True when the title shares no content word with its section's headings (not a catch-all section)."""
    title_words = set(words(paper.title))
    if len(title_words) < MIN_TITLE_WORDS or survey.section(paper.section).title.lower().startswith("other"):
        return False
    return not title_words & _heading_words(survey, paper.section)


# -- generated files ---------------------------------------------------------------------------------


@rule("stale-output")
def stale_output(context: Context) -> Iterator[Finding]:
    """A generated file (README.md, the BibTeX file) does not match the database: someone forgot `evlm build`.

    CI's `evlm build --check` fails on this too; run `evlm build` and commit the result."""
    if context.db_path is None:
        return
    from evlm_cli import build
    from evlm_cli.errors import EvlmError

    try:
        outputs = build.outputs(context.survey, context.db_path)
    except EvlmError as error:
        yield Finding("warning", "stale-output", None, "README.md", f"cannot render: {error}", hint="fix the template")
        return
    for output in outputs:
        try:
            current = output.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            current = None
        if current != output.content:
            state = "missing" if current is None else "stale"
            yield Finding(
                "warning",
                "stale-output",
                None,
                output.path.name,
                f"{output.path.name} is {state}",
                hint="run `evlm build` and commit the result",
                file=str(output.path),
            )


@rule("unknown-ignore")
def unknown_ignore(context: Context) -> Iterator[Finding]:
    """A paper's `ignore = [...]` names no rule, so it silences nothing (a typo, or a renamed rule)."""
    for paper in context.survey.papers:
        for name in paper.ignore:
            if name not in RULES:
                yield context.finding(
                    paper,
                    "unknown-ignore",
                    "ignore",
                    f"ignore names unknown rule {name!r}",
                    "`evlm check --explain all` lists the rules",
                )
