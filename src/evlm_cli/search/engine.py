"""Ranked search: a `Query` becomes an FTS5 expression, run against an `Index` (cached or in memory).

Ranking goes by the best field a paper matches in (`TIERS`: a title match beats any number of abstract matches),
then, within that tier, by FTS5's BM25 with per-field weights (`index.WEIGHTS`); ties keep the reading order. Each query
word matches its stem (Porter), its prefix (3+ letters), its joined or split forms (`vision-language`,
`visionlanguage`, `vision language`) and, when the database does not contain it, the words within a small edit
distance (typo tolerance). The cached index and the in-memory fallback run this same code, so they agree.
"""

from __future__ import annotations

import bisect
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from evlm_cli.search.analyze import MIN_PREFIX, MIN_SPLIT, distance, fold, fts_phrase, splits, typo_budget, words
from evlm_cli.search.index import COLUMNS, WEIGHTS, Index, open_index
from evlm_cli.search.query import Query, QueryError, Term, YearRange, parse
from evlm_cli.text import quoted

if TYPE_CHECKING:  # not at run time: a warm search never needs the model (see evlm_cli.launcher)
    from evlm_cli.model import Survey
    from evlm_cli.selection import Filters

FIELD_NAMES = {"citekey": "key"}
"""Index column names shown to users where they differ (`matched_fields` says `key`)."""
_OPEN, _CLOSE = "\x02", "\x03"
_CHUNK = 500
_MAX_FUZZY = 5
TIERS = ("title", "section", "tags", "authors", "citekey", "venue", "year", "note", "abstract")
"""Index columns from the best field to match to the least: a paper's best matched field decides its tier."""
TIER_SCALE = 1_000_000
"""A score is `tier * TIER_SCALE + bm25`: BM25 (far below this) only orders papers within a tier."""
MIN_SUGGESTION = 3
"""Did-you-mean never suggests shorter words (`to`, `on`)."""
_MAX_SUGGESTIONS = 3
_MAX_SUGGESTION_CANDIDATES = 30
_TIE_WINDOW = 50
"""Rows fetched beyond `limit`, to be sure no tie with the last place shown is cut off."""


@dataclass(frozen=True, slots=True)
class Hit:
    """One matching paper, with what matched and what a listing shows."""

    key: str
    score: float
    """The tier of the best field matched (`TIERS`, title highest) times TIER_SCALE, plus BM25 with field
    weights; higher is better; 0 when the query has no words (filters only)."""
    matched_fields: tuple[str, ...]
    matched_terms: tuple[str, ...]
    """The words of the paper that matched, folded (`quantized`, `vision language`)."""
    title: str = ""
    venue: str = ""
    year: int | None = None
    section: str = ""
    section_path: str = ""
    title_marks: tuple[tuple[int, int], ...] = ()
    """(start, end) offsets of the matched words in the title, for highlighting."""


@dataclass(frozen=True, slots=True)
class Result:
    """The outcome of a query."""

    hits: list[Hit]
    """The best hits, at most `limit`, best first."""
    total: int
    """How many papers match in all."""
    papers: int
    """How many papers the database holds."""
    rowids: list[int] = field(default_factory=list)
    """Every match, best first (index row ids, for `list --json` and exports); with a `limit`, only the order of
    the first `limit` is exact."""
    suggestions: tuple[str, ...] = ()
    """When nothing matches: words of the database close to the query's words."""


def search(
    survey: Survey, query: str | Query, filters: Filters | None = None, *, limit: int | None = None
) -> list[Hit]:
    """Search a survey in memory: the library entry point for callers that already hold a Survey."""
    return run(Index.in_memory(survey), to_query(query, filters), limit=limit).hits


def search_path(
    db_path: Path, query: str | Query, filters: Filters | None = None, *, limit: int | None = None
) -> Result:
    """Search the database at a path through its cached index (warm: no TOML parsing)."""
    return run(open_index(db_path), to_query(query, filters), limit=limit)


def to_query(query: str | Query, filters: Filters | None = None) -> Query:
    """A parsed query with `selection.Filters` (as `list` and `export` take them) folded in."""
    parsed = parse(query) if isinstance(query, str) else query
    if filters is None:
        return parsed
    years = YearRange(filters.year, filters.year) if filters.year is not None else None
    merged = parsed.merged(section=filters.section, years=years, venue=filters.venue)
    if filters.keys:
        from dataclasses import replace

        merged = replace(merged, keys=merged.keys + filters.keys)
    return merged


def run(index: Index, query: Query, *, limit: int | None = None) -> Result:
    """Run a query against an index; QueryError when SQLite cannot run it.

    An SQLite error on the cache file propagates as it is, so that `index.using_index` retries in memory; on the
    in-memory index it can only come from the query, and becomes a QueryError."""
    try:
        return _run(index, query, limit=limit)
    except sqlite3.Error as error:
        if index.cached:
            raise
        text = " ".join(term.text for term in query.terms) or "these filters"
        raise QueryError(
            f"cannot search for {quoted(text)}: {error}", hint="quote unusual words, or search for fewer of them"
        ) from error


def unfiltered_total(index: Index, query: Query) -> int:
    """How many papers the query's words match once its filters are left out (0 when it has no words or no
    filters): when a query finds nothing, this tells "the filters removed every match" from "no such words"."""
    words = query.without_filters()
    if not query.filters() or not words.terms:
        return 0
    return run(index, words, limit=0).total


def _run(index: Index, query: Query, *, limit: int | None = None) -> Result:
    if (query.asks_words or query.terms) and not any(words(term.text) for term in query.terms):
        raise QueryError(
            "the query has no words evlm can search for",
            hint="search for words of letters or digits, or for filters only, e.g. year:2024",
        )
    papers = index.count()
    where, params = _filters(index, query)
    expressions: list[str] = []
    missing: list[str] = []
    for term in query.terms:
        expression = _term(index, term)
        if expression is None:
            continue
        if expression == "":
            missing.append(term.text)
            continue
        expressions.append(expression)
    if missing:
        return Result([], 0, papers, suggestions=_suggest(index, missing))
    ranked = bool(expressions)
    order, order_params = _score(expressions) if ranked else ("0", [])
    if query.venue and words(query.venue):
        expressions.append("{venue} : " + fts_phrase(words(query.venue)))
    match = " AND ".join(expressions)
    total = None
    if match and ranked and not where:
        rows, total = _ranked(index, match, order, order_params, limit)
    elif match:
        sql = (
            f"SELECT fts.rowid, {order} FROM fts JOIN docs ON docs.rowid = fts.rowid "  # noqa: S608
            f"WHERE fts MATCH ? {where} ORDER BY 2, docs.position"
        )
        rows = index.conn.execute(sql, [*order_params, match, *params]).fetchall()
    else:
        sql = f"SELECT rowid, 0 FROM docs WHERE 1 {where} ORDER BY position"  # noqa: S608
        rows = index.conn.execute(sql, params).fetchall()
    rowids = [row[0] for row in rows]
    shown = rows if limit is None else rows[:limit]
    scores = {row[0]: round(-float(row[1]), 6) + 0.0 for row in shown}
    hits = list(_details(index, [row[0] for row in shown], scores, match))
    return Result(hits, len(rowids) if total is None else total, papers, rowids=rowids)


def _score(expressions: list[str]) -> tuple[str, list[object]]:
    """The SQL of a match's score (lower is better, as bm25()) and its parameters: minus the tier of the best
    field any term matches in (`TIERS`) times TIER_SCALE, plus BM25 with field weights."""
    weights = ", ".join(str(WEIGHTS[c]) for c in COLUMNS)
    any_term = " OR ".join(expressions)
    member = "WHEN fts.rowid IN (SELECT rowid FROM fts WHERE fts MATCH ?) THEN "
    cases = " ".join(member + str(len(TIERS) - i) for i in range(len(TIERS)))
    sql = f"(bm25(fts, {weights}) - {TIER_SCALE} * (CASE {cases} ELSE 0 END))"
    return sql, [_scoped(any_term, column) for column in TIERS]


def _ranked(
    index: Index, match: str, score: str, score_params: list[object], limit: int | None
) -> tuple[list[tuple[int, float]], int]:
    """The matches as (rowid, score), best first, ties in reading order, and how many there are in all.

    With a `limit`, only the rows that can reach the first `limit` places are returned. Joining the index with
    `docs` just to break ties costs more than the ranking itself at 100,000 papers, so SQLite picks the best few
    by score alone and reading positions are looked up for those only.
    """
    sql = f"SELECT rowid, {score} FROM fts WHERE fts MATCH ? ORDER BY 2"  # noqa: S608
    rows: list[tuple[int, float]] = []
    total = 0
    if limit is not None:
        window = limit + _TIE_WINDOW
        rows = index.conn.execute(sql + " LIMIT ?", (*score_params, match, window)).fetchall()
        if len(rows) < window:
            total = len(rows)
        elif rows[-1][1] != rows[limit - 1][1]:  # no tie with the last place shown reaches beyond the window
            total = int(index.conn.execute("SELECT count(*) FROM fts WHERE fts MATCH ?", (match,)).fetchone()[0])
        else:
            rows = []
    if not rows:
        rows = index.conn.execute(sql, (*score_params, match)).fetchall()
        total = len(rows)
    if limit is not None and limit < len(rows):
        cutoff = rows[limit - 1][1]
        rows = [row for row in rows if row[1] <= cutoff]
    ids = [row[0] for row in rows]
    position = {row[0]: row[1] for row in _chunked(index, "SELECT rowid, position FROM docs WHERE rowid IN ({})", ids)}
    if len(position) != len(ids):
        raise sqlite3.DatabaseError("the search index is inconsistent: a match has no paper")
    rows.sort(key=lambda row: (row[1], position[row[0]]))
    return rows, total


# -- compiling a query -------------------------------------------------------------------------------


def _term(index: Index, term: Term) -> str | None:
    """The FTS5 expression of one term; None to ignore it (no words), "" when nothing can match it."""
    parts = words(term.text)
    if not parts:
        return None
    if term.phrase:
        alternatives = [fts_phrase(parts)]
    elif len(parts) > 1:  # vision-language: the words in a row, or joined
        alternatives = [fts_phrase(parts), fts_phrase(["".join(parts)])]
    else:
        word = parts[0]
        alternatives = [f'"{word}"*' if term.prefix or len(word) >= MIN_PREFIX else f'"{word}"']
        if not term.prefix and len(word) >= 2 * MIN_SPLIT:  # visionlanguage: also `vision language`
            pairs = splits(word)
            known = index.known_words(sorted({half for pair in pairs for half in pair}))
            alternatives += [fts_phrase([a, b]) for a, b in pairs if a in known and b in known]
        if not term.prefix and typo_budget(word) and not _matches(index, alternatives, term.field):
            alternatives += [f'"{near}"' for near in _near(index, word, typo_budget(word))]
    if not _matches(index, alternatives, term.field):
        return ""
    return _scoped(" OR ".join(alternatives), term.field)


def _scoped(expression: str, column: str | None) -> str:
    return f"({{{column}}} : ({expression}))" if column else f"({expression})"


def _matches(index: Index, alternatives: list[str], column: str | None) -> bool:
    expression = _scoped(" OR ".join(alternatives), column)
    return index.conn.execute("SELECT 1 FROM fts WHERE fts MATCH ? LIMIT 1", (expression,)).fetchone() is not None


def _near(index: Index, word: str, budget: int, most: int = _MAX_FUZZY) -> list[str]:
    """Vocabulary words within `budget` edits of `word`, closest and commonest first (at most `most`)."""
    found = []
    for candidate, count in index.words_near(len(word), budget):
        edits = distance(word, candidate, budget)
        if edits <= budget and candidate != word:
            found.append((edits, -count, candidate))
    return [candidate for _, _, candidate in sorted(found)[:most]]


def _suggest(index: Index, missing: Sequence[str]) -> tuple[str, ...]:
    """Did-you-mean words for query words that match nothing, from the database's own vocabulary: words of 3 or
    more letters, not stop words, that still match a paper (the vocabulary may keep words of removed papers)."""
    from evlm_cli.keys import STOPWORDS  # only here: a warm search that finds something never needs it

    suggestions: list[str] = []
    for text in missing:
        for word in words(text):
            if len(word) < MIN_SUGGESTION:
                continue
            budget = max(2, len(word) // 3)
            picked = 0
            for near in _near(index, word, budget, most=_MAX_SUGGESTION_CANDIDATES):
                if picked == _MAX_SUGGESTIONS:
                    break
                if len(near) < MIN_SUGGESTION or near in STOPWORDS or not _matches(index, [fts_phrase([near])], None):
                    continue
                picked += 1
                if near not in suggestions:
                    suggestions.append(near)
    return tuple(suggestions)


def _filters(index: Index, query: Query) -> tuple[str, list[object]]:
    """SQL conditions on `docs` for the section, year and key filters."""
    clauses: list[str] = []
    params: list[object] = []
    if query.section is not None:
        ids = sorted(index.subtree(query.section))
        clauses.append(f"docs.section_id IN ({','.join('?' * len(ids))})")
        params.extend(ids)
    if query.years is not None:
        if query.years.start is not None:
            clauses.append("docs.year >= ?")
            params.append(query.years.start)
        if query.years.end is not None:
            clauses.append("docs.year <= ?")
            params.append(query.years.end)
    if query.keys:
        known = {row[0] for row in _chunked(index, "SELECT citekey FROM docs WHERE citekey IN ({})", query.keys)}
        for key in query.keys:
            if key not in known:
                index.paper(key)  # raises NotFoundError with a did-you-mean
        clauses.append(f"docs.citekey IN ({','.join('?' * len(query.keys))})")
        params.extend(query.keys)
    return "".join(f" AND {clause}" for clause in clauses), params


def _chunked(index: Index, sql: str, values: Sequence[object]) -> Iterator[tuple[object, ...]]:
    for start in range(0, len(values), _CHUNK):
        chunk = list(values[start : start + _CHUNK])
        yield from index.conn.execute(sql.format(",".join("?" * len(chunk))), chunk)


# -- what matched -------------------------------------------------------------------------------------


def _details(index: Index, rowids: list[int], scores: dict[int, float], match: str) -> Iterator[Hit]:
    """Hits for these row ids, in order, with matched fields and terms from FTS5's highlight()."""
    if not rowids:
        return
    base = "docs.citekey, docs.title, docs.venue, docs.year, docs.section_id, docs.section"
    found: dict[int, Hit] = {}
    if match:
        marks = ", ".join(f"highlight(fts, {i}, char(2), char(3))" for i in range(len(COLUMNS)))
        sql = (
            f"SELECT fts.rowid, {base}, {marks} FROM fts JOIN docs ON docs.rowid = fts.rowid "  # noqa: S608
            "WHERE fts MATCH ? AND fts.rowid IN ({})"
        )
        for start in range(0, len(rowids), _CHUNK):
            chunk = rowids[start : start + _CHUNK]
            for row in index.conn.execute(sql.format(",".join("?" * len(chunk))), [match, *chunk]):
                found[row[0]] = _hit(row, scores[row[0]])
    else:
        sql = f"SELECT docs.rowid, {base} FROM docs WHERE docs.rowid IN ({{}})"  # noqa: S608
        for row in _chunked(index, sql, rowids):
            rowid = int(str(row[0]))
            found[rowid] = _hit(row, scores[rowid])
    if len(found) != len(set(rowids)):
        raise sqlite3.DatabaseError("the search index is inconsistent: a match has no paper")
    for rowid in rowids:
        yield found[rowid]


def _hit(row: Sequence[object], score: float) -> Hit:
    key, title, venue, year, section, section_path = (str(v) if v is not None else None for v in row[1:7])
    fields: list[str] = []
    terms: set[str] = set()
    title_marks: tuple[tuple[int, int], ...] = ()
    for column, marked in zip(COLUMNS, row[7:], strict=False):
        if not isinstance(marked, str) or _OPEN not in marked:
            continue
        fields.append(FIELD_NAMES.get(column, column))
        spans = _spans(marked)
        terms.update(" ".join(words(span)) for span in spans[1])
        if column == "title":
            title_marks = spans[0] if title is None or title.isascii() else _unfolded(title, spans[0])
    return Hit(
        key=key or "",
        score=score,
        matched_fields=tuple(fields),
        matched_terms=tuple(sorted(t for t in terms if t)),
        title=title or "",
        venue=venue or "",
        year=int(year) if year else None,
        section=section or "",
        section_path=section_path or "",
        title_marks=title_marks,
    )


def _unfolded(title: str, marks: tuple[tuple[int, int], ...]) -> tuple[tuple[int, int], ...]:
    """Marks made on the folded title (what the index holds), as offsets in the title as written (`ﬁsh` is 3
    characters, `fish` 4); none when the two cannot be lined up."""
    ends: list[int] = []  # ends[i]: the folded title's length up to and with the title's character i
    for char in title:
        ends.append((ends[-1] if ends else 0) + len(fold(char)))
    if not ends or any(end > ends[-1] for _, end in marks):
        return ()
    return tuple(
        (bisect.bisect_right(ends, start), bisect.bisect_left(ends, end) + 1) for start, end in marks if end > start
    )


def _spans(marked: str) -> tuple[tuple[tuple[int, int], ...], list[str]]:
    """Offsets (in the unmarked text) and texts of the highlighted spans of a highlight() result."""
    offsets: list[tuple[int, int]] = []
    texts: list[str] = []
    plain = 0
    start = 0
    inside = False
    for char in marked:
        if char == _OPEN:
            start, inside = plain, True
        elif char == _CLOSE and inside:
            offsets.append((start, plain))
            inside = False
        else:
            plain += 1
    text = marked.replace(_OPEN, "").replace(_CLOSE, "")
    texts = [text[a:b] for a, b in offsets]
    return tuple(offsets), texts
