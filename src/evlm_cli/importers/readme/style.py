"""The imported list's own paper line: which `[survey] paper_line` template gives its entries back as written.

Each entry format `entry` reads has a template family here (the `<ins>` line, `[2024] Title, Venue`, `Title, 2024`,
`[Title](url) - description`, author-first citations, table rows), with the details lists vary in as options: the
bullet, the link form (`[[Paper](url)]` or `[Paper](url)`) and what separates links, how names are joined. `detect`
renders the imported papers through the candidates and keeps the one that gives back the most entry lines byte for
byte (then the most up to spacing and HTML comments); evlm's own line wins ties, so a list in evlm's format gets no
template at all. A table list keeps a table (its header row comes back before each section's first paper), even
where cells evlm does not store (badges, images) make its rows differ.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from evlm_cli.errors import EvlmError
from evlm_cli.model import Paper, Survey
from evlm_cli.render.paperline import LineTemplate, compile_line, context
from evlm_cli.render.readme import line_renderer, paper_line
from evlm_cli.text import normalize_space


@dataclass(frozen=True, slots=True)
class EntryLine:
    """One list entry or table row the import made a paper of (a cross-listed paper has one per section)."""

    line: int
    """Its 1-based line number in the imported page."""
    raw: str
    """The entry as written (its wrapped lines joined by newlines)."""
    key: str
    section: str
    repaired: bool
    """Whether the import repaired it or left something out (a relative link): it cannot come back as written."""
    row: bool = False
    """A table row rather than a list entry."""


@dataclass(frozen=True, slots=True)
class Style:
    """One candidate template: a family and its options."""

    family: str
    bullet: str = "-"
    """`-`, `*`, `+`, or `1.` / `1)` for a numbered list (numbered by `position`)."""
    double: bool = True
    """Links as `[[Label](url)]` rather than `[Label](url)`."""
    separators: tuple[str, str] = (" ", " ")
    """What comes before the first link and between links."""
    names: tuple[str, str, str] = (", ", " and ", " and ")
    """`names` filter arguments: between names, before the last one, between exactly two."""
    head: str = ""
    """A table's header and separator lines."""
    parts: frozenset[str] = frozenset({"authors", "venue", "other_links", "note"})
    """The optional parts the list shows (the fields some imported paper has): a list that never shows authors does
    not start showing them for a paper `evlm add` brings with authors."""

    def template(self) -> str:
        return _FAMILIES[self.family](self)


def _prefix(style: Style) -> str:
    if style.bullet[0].isdigit():
        return "{{ position }}" + style.bullet[1:] + " "
    return style.bullet + " "


def _links(style: Style, variable: str = "links") -> str:
    label = "[[{{ l.label }}]({{ l.url }})]" if style.double else "[{{ l.label }}]({{ l.url }})"
    lead, between = style.separators
    if lead == between:
        return "{% for l in " + variable + " %}" + lead + label + "{% endfor %}"
    return (
        "{% for l in "
        + variable
        + " %}{% if loop.first %}"
        + lead
        + "{% else %}"
        + between
        + "{% endif %}"
        + label
        + "{% endfor %}"
    )


def _names(names: tuple[str, str, str], default: tuple[str, str, str] | None = (", ", " and ", " and ")) -> str:
    """The `names` filter with these arguments (none when they are the default)."""
    sep, last, pair = names
    if names == default:
        return "authors|names"
    args = [sep, last] if pair == last else [sep, last, pair]
    return "authors|names(" + ", ".join(_quote(arg) for arg in args) + ")"


def _quote(text: str) -> str:
    """A Jinja2 string literal in single quotes, which the database's TOML strings hold without escapes."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


_VENUE_YEAR = "{% if venue or year %}, {{ [venue, year]|select|join(' ') }}{% endif %}"


def _note(style: Style, before: str = " ") -> str:
    return "{% if note %}" + before + "{{ note }}{% endif %}" if "note" in style.parts else ""


def _part(style: Style, part: str, text: str) -> str:
    return text if part in style.parts else ""


_TITLE_LINK = "{% if url %}[{{ title }}]({{ url }}){% else %}{{ title }}{% endif %}"


def _ins(style: Style) -> str:
    venue = "{% if venue or year %}, <ins>{{ [venue, year]|select|join(', ') }}</ins>{% endif %}"
    return _prefix(style) + "{{ title }}" + venue + _links(style) + _note(style)


def _year_first(style: Style) -> str:
    return (
        _prefix(style)
        + "{% if year %}[{{ year }}] {% endif %}{{ title }}{% if venue %}, {{ venue }}{% endif %}"
        + _links(style)
        + _note(style)
    )


def _year_last(style: Style) -> str:
    return _prefix(style) + "{{ title }}{% if year %}, {{ year }}{% endif %}" + _links(style) + _note(style)


def _link_first(style: Style) -> str:
    return (
        _prefix(style)
        + _TITLE_LINK
        + _part(style, "authors", "{% if authors %}, {{ " + _names(style.names) + " }}{% endif %}")
        + _part(style, "venue", _VENUE_YEAR)
        + _part(style, "other_links", _links(style, "other_links"))
        + _note(style, " - ")
    )


def _citation_link(style: Style) -> str:
    return (
        _prefix(style)
        + "{{ "
        + _names(style.names)
        + " }}, "
        + _TITLE_LINK
        + _part(style, "venue", _VENUE_YEAR)
        + _part(style, "other_links", _links(style, "other_links"))
    )


def _citation_italic(style: Style) -> str:
    return (
        _prefix(style)
        + "{{ "
        + _names(style.names)
        + " }}, *{{ title }}*"
        + _part(style, "venue", _VENUE_YEAR)
        + _links(style)
    )


def _table(style: Style) -> str:
    """A table row: `[Title](url) <br> Authors` first, the links last (the Paper link after the others), empty cells
    between; the table's header row comes before each section's first paper."""
    columns = _cells(style.head.split("\n", 1)[0])
    head = style.head if "{" not in style.head else "{% raw %}" + style.head + "{% endraw %}"
    first = (
        "|{% if url %}[{{ title|cell }}]({{ url }}){% else %}{{ title|cell }}{% endif %}"
        + "{% if authors %} <br> {{ "
        + _names(style.names, None)
        + "|cell }}{% endif %}"
    )
    links = (
        "{% for l in other_links %}{% if not loop.first %} <br> {% endif %}"
        "[{{ l.label|cell }}]({{ l.url }}){% endfor %}"
        "{% if link.paper %}{% if other_links %} <br> {% endif %}[Paper]({{ link.paper }}){% endif %}"
    )
    row = first + " |" + " |" * (columns - 2) + links + "|" if columns > 1 else first + " |"
    return "{% if position == 1 %}" + head + "\n{% endif %}" + row


def _cells(row: str) -> int:
    return len(row.strip().strip("|").split("|"))


_FAMILIES = {
    "ins": _ins,
    "year-first": _year_first,
    "year-last": _year_last,
    "link-first": _link_first,
    "citation-link": _citation_link,
    "citation-italic": _citation_italic,
    "table": _table,
}
_WITH_NAMES = {"link-first", "citation-link", "citation-italic", "table"}
_LINK_STYLES = [
    (double, separators)
    for double in (True, False)
    for separators in ((" ", " "), (" ", ""), (" | ", " | "), (" ", ", "), (", ", ", "))
]
_NAME_STYLES = [(", ", " and ", " and "), (", ", ", and ", " and "), (", ", ", ", ", "), (", ", ", and ", ", and ")]
_SAMPLE = 50
"""Entries the candidates are tried on (spread over the list): enough to tell styles apart, cheap to render."""
_MARKER = re.compile(r"^\s*(?P<marker>[-*+]|\d{1,3}[.)])\s")
_COMMENT = re.compile(r"<!--.*?-->")


@dataclass(frozen=True, slots=True)
class Fidelity:
    """How many entries the survey's paper line gives back as they were written."""

    readable: int = 0
    """Entries read without repair and written on one line: those that can come back as written."""
    identical: int = 0
    """Of those, entries the line gives back byte for byte."""
    spacing: int = 0
    """Of those, entries it gives back but for white space at the end of the line (which Markdown ignores)."""


@dataclass(frozen=True, slots=True)
class Detected:
    """What `detect` found."""

    template: str
    """The `paper_line` template, or empty for evlm's own line."""
    fidelity: Fidelity = Fidelity()


def detect(survey: Survey, entries: list[EntryLine], heads: Iterable[str] = ()) -> Detected:
    """The template that gives back the most of these entries as written (empty: evlm's own line does as well).

    Candidates are scored by the entries they give back (trailing white space aside), then by how much of each other
    entry they get right from its start (HTML comments and spacing aside), which steers the search towards the
    list's style when damage or relative links keep every line from coming back."""
    papers = {paper.key: paper for paper in survey.papers}
    places = positions(survey)
    usable = [e for e in entries if "\n" not in e.raw and e.key in papers]
    sample = usable[:: -(-len(usable) // _SAMPLE) or 1]
    if not sample:
        return Detected("", fidelity(survey, "", entries))
    values = [context(papers[e.key], places.get((e.key, e.section), 1)) for e in sample]
    wanted = [(e.raw.rstrip(), _loose(e.raw)) for e in sample]
    scores: dict[str, tuple[int, int]] = {}

    def score(template: str) -> tuple[int, int]:
        if template in scores:
            return scores[template]
        exact = similar = 0
        try:
            render: LineTemplate = compile_line(template)
            for entry, value, (raw, loose) in zip(sample, values, wanted, strict=True):
                line = render.render(value, entry.key).rsplit("\n", 1)[-1]
                exact += line == raw
                similar += _common_prefix(_loose(line), loose)
        except EvlmError:
            exact = similar = -1
        scores[template] = (exact, similar)
        return scores[template]

    best = (_default_score(sample, papers, wanted), "")
    rows = sum(entry.row for entry in entries) * 2 > len(entries)
    if best[0][0] == len(sample) and not rows:
        return Detected("", fidelity(survey, "", entries))  # evlm's own line: nothing to find
    head = Counter(heads).most_common(1)[0][0] if rows and heads else ""
    parts = _parts([papers[e.key] for e in entries if e.key in papers])
    starts = [
        Style(family, _bullet(sample), head=head, parts=parts, names=_NAME_STYLES[2 if family == "table" else 0])
        for family in (["table"] if rows else [f for f in _FAMILIES if f != "table"])
    ]
    starts.sort(key=lambda style: score(style.template()), reverse=True)
    for start in starts[:2]:  # the two closest families, their options tuned
        found = _ascend(start, score, len(sample))
        if found[0] > best[0] or (rows and not best[1]):
            best = found
    return Detected(best[1], fidelity(survey, best[1], entries))


def _ascend(style: Style, score: Callable[[str], tuple[int, int]], most: int) -> tuple[tuple[int, int], str]:
    """Coordinate ascent over a family's options (the link style, then how names are joined) until no option
    improves the score or every sampled entry comes back: the best score and its template."""
    found = (score(style.template()), style.template())
    changed = True
    while changed and found[0][0] < most:
        changed = False
        trials = [replace(style, double=double, separators=separators) for double, separators in _LINK_STYLES]
        if style.family in _WITH_NAMES:
            trials += [replace(style, names=names) for names in _NAME_STYLES]
        for trial in trials:
            result = score(trial.template())
            if result > found[0]:
                style, found, changed = trial, (result, trial.template()), True
    return found


def _bullet(sample: list[EntryLine]) -> str:
    """The list's usual bullet: `-`, `*`, `+`, or `1.` / `1)` for a numbered list."""
    markers = Counter(m.group("marker") for e in sample if (m := _MARKER.match(e.raw)))
    bullet = markers.most_common(1)[0][0] if markers else "-"
    return "1" + bullet[-1] if bullet[0].isdigit() else bullet


def _parts(papers: list[Paper]) -> frozenset[str]:
    """The optional parts of a line some paper of the list has, so the template shows them."""
    present = {
        "authors": any(p.authors for p in papers),
        "venue": any(p.venue or p.year for p in papers),
        "other_links": any(len(p.links) > 1 or (p.links and not p.paper_url) for p in papers),
        "note": any(p.note for p in papers),
    }
    return frozenset(part for part, shown in present.items() if shown)


def _default_score(sample: list[EntryLine], papers: dict[str, Paper], wanted: list[tuple[str, str]]) -> tuple[int, int]:
    """`detect`'s score of evlm's own line."""
    exact = similar = 0
    for entry, (raw, loose) in zip(sample, wanted, strict=True):
        line = paper_line(papers[entry.key])
        exact += line == raw
        similar += _common_prefix(_loose(line), loose)
    return exact, similar


def _common_prefix(a: str, b: str) -> int:
    return next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))


def positions(survey: Survey) -> dict[tuple[str, str], int]:
    """(paper key, section id) -> the paper's position in that section's list."""
    return {
        (paper.key, section.id): position
        for section in survey.sections
        for position, paper in enumerate(survey.listed_in(section.id), start=1)
    }


def _loose(text: str) -> str:
    return normalize_space(_COMMENT.sub(" ", text)).rstrip()


def fidelity(survey: Survey, template: str, entries: list[EntryLine]) -> Fidelity:
    """How many of the entries read without repair the survey's line (`template`, empty: evlm's own) gives back."""
    render = line_renderer(replace(survey.info, paper_line=template))
    papers = {paper.key: paper for paper in survey.papers}
    places = positions(survey)
    readable = identical = spacing = 0
    for entry in entries:
        if entry.repaired or entry.key not in papers or "\n" in entry.raw:
            continue
        line = render(papers[entry.key], places.get((entry.key, entry.section), 1)).rsplit("\n", 1)[-1]
        readable += 1
        identical += line == entry.raw
        spacing += line != entry.raw and line == entry.raw.rstrip()
    return Fidelity(readable, identical, spacing)
