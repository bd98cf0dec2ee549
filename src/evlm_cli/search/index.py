"""The search index: a SQLite FTS5 database derived from the TOML database, cached in the user's cache folder.

The cache is never a source of truth. Its file is named after the database's resolved path and records the
database's (mtime_ns, size) and SHA-256; a command checks those with one `stat` (and, when they differ or the file
changed very recently, one hash of the bytes) and rebuilds the index when the content changed. A warm command thus
never parses the TOML. evlm's own writes refresh the cache (`refresh_after_write`). Whenever the cache cannot be
used (corrupt, unwritable, any SQLite error) the same index is built in memory, so results are identical.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import stat
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from evlm_cli.cachedir import cache_dir
from evlm_cli.errors import NotFoundError
from evlm_cli.inputfile import DATABASE_LIMIT
from evlm_cli.search.analyze import SURFACE_TOKENIZER, TOKENIZER, fold
from evlm_cli.text import quoted

if TYPE_CHECKING:  # not at run time: a warm search never needs the model (see evlm_cli.launcher)
    from evlm_cli.model import Paper, Survey

T = TypeVar("T")

FORMAT = "4"
"""Bumped whenever the schema or the analysis changes, so old caches are rebuilt."""
COLUMNS = ("title", "section", "tags", "authors", "venue", "year", "note", "abstract", "citekey")
"""The searchable fields, in FTS5 column order."""
_FOLDED = {column: f"{column}_folded" for column in COLUMNS if column != "year"}
"""The `docs` column holding each text field `fold`ed, when the field is not ASCII (NULL when it is: the tokenizer
folds ASCII the same way itself). The index reads the fields through the `searched` view, so it sees folded text
and queries (folded too) find `Straße` as `strasse` and `ﬁsh` as `fish`, while `docs` keeps the text to show."""
WEIGHTS = {
    "title": 10.0,
    "section": 6.0,
    "tags": 4.0,
    "authors": 4.0,
    "venue": 3.0,
    "year": 2.0,
    "note": 2.0,
    "abstract": 1.0,
    "citekey": 1.0,
}
"""BM25 weight of a match in each field: title above section above tags above abstract."""
RACY_NS = 2_000_000_000
"""A database modified this recently may change again within the file system's timestamp granularity, so its
(mtime, size) alone does not prove it unchanged: such a cache is re-checked by hash until the file settles."""

_SEARCHED = (
    "CREATE VIEW searched AS SELECT rowid AS rowid, "  # noqa: S608 - fixed names
    + ", ".join(f"coalesce({_FOLDED[c]}, {c}) AS {c}" if c in _FOLDED else c for c in COLUMNS)
    + " FROM docs;"
)
"""What the index reads: the searchable fields, folded where they are not ASCII."""
_SCHEMA = f"""
CREATE TABLE meta(name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE sections(
    position INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, parent TEXT, title TEXT NOT NULL, emoji TEXT NOT NULL
);
CREATE TABLE docs(
    rowid INTEGER PRIMARY KEY,
    position INTEGER NOT NULL,  -- the paper's place in reading order
    chunk TEXT,  -- hash of the paper's block of TOML text, for incremental updates (see `incremental`)
    section_id TEXT NOT NULL,
    {", ".join(COLUMNS)},
    json TEXT NOT NULL,
    {", ".join(_FOLDED.values())}
);
CREATE UNIQUE INDEX docs_citekey ON docs(citekey);
CREATE INDEX docs_position ON docs(position);
{_SEARCHED}
CREATE VIRTUAL TABLE fts USING fts5(
    {", ".join(COLUMNS)}, content='searched', content_rowid='rowid', tokenize='{TOKENIZER}'
);
CREATE VIRTUAL TABLE words USING fts5(text, content='', detail=none, tokenize='{SURFACE_TOKENIZER}');
CREATE VIRTUAL TABLE words_vocab USING fts5vocab(words, 'row');
CREATE TABLE vocab(term TEXT PRIMARY KEY, docs INTEGER NOT NULL) WITHOUT ROWID;
"""


def paper_json_text(paper: Paper) -> str:
    """`json.dumps(db.paper_json(paper), ensure_ascii=False, indent=2)`, several times faster.

    The standard library's C encoder does not indent, and its Python one dominated building the index of 100,000
    papers; a paper's JSON is shallow (strings, numbers, lists of strings or of links), so this formats the
    structure by hand and leaves every scalar to the C encoder. Tests compare the two on many papers.
    """
    from evlm_cli.db import paper_json

    return _dump(paper_json(paper), "\n")


_string: Callable[[str], str] = getattr(json.encoder, "c_encode_basestring", None) or json.encoder.py_encode_basestring
_scalar = json.JSONEncoder(ensure_ascii=False).encode


def _dump(value: Any, newline: str) -> str:
    kind = type(value)
    if kind is str:
        return _string(value)
    if kind is int:
        return str(value)
    if kind is dict:
        if not value:
            return "{}"
        inner = newline + "  "
        items = [_string(k) + ": " + _dump(v, inner) for k, v in value.items()]
        return "{" + inner + ("," + inner).join(items) + newline + "}"
    if kind is list:
        if not value:
            return "[]"
        inner = newline + "  "
        return "[" + inner + ("," + inner).join([_dump(v, inner) for v in value]) + newline + "]"
    return _scalar(value)


@dataclass(frozen=True, slots=True)
class SectionRow:
    """A section of the taxonomy, with how many papers it holds."""

    id: str
    parent: str | None
    title: str
    emoji: str
    own: int
    """Papers filed directly under this section."""
    papers: int
    """Papers in this section and every section below it."""


def did_you_mean(word: str, candidates: list[str]) -> str | None:
    """`did you mean 'x', 'y'?` for the candidates closest to a word, or None."""
    from evlm_cli.text import closest

    matches = closest(word, candidates)
    return "did you mean " + ", ".join(repr(m) for m in matches) + "?" if matches else None


class Index:
    """An open search index (a cache file or an in-memory copy); `engine` runs queries against it."""

    def __init__(self, conn: sqlite3.Connection, *, cached: bool) -> None:
        self.conn = conn
        self.cached = cached
        """False when this is the in-memory fallback."""

    @classmethod
    def in_memory(cls, survey: Survey) -> Index:
        """Build the index of a survey in memory: the fallback, and `engine.search(survey, ...)`."""
        conn = sqlite3.connect(":memory:")
        _build(conn, survey)
        return cls(conn, cached=False)

    # -- sections -----------------------------------------------------------------------------
    def sections(self) -> list[SectionRow]:
        """The taxonomy in reading order (parents before children), with paper counts."""
        own = dict(self.conn.execute("SELECT section_id, count(*) FROM docs GROUP BY section_id").fetchall())
        rows = self.conn.execute("SELECT id, parent, title, emoji FROM sections ORDER BY position").fetchall()
        totals = {row[0]: own.get(row[0], 0) for row in rows}
        for section_id, parent, *_ in reversed(rows):  # children come after their parents
            if parent in totals:
                totals[parent] += totals[section_id]
        return [
            SectionRow(section_id, parent, title, emoji, own.get(section_id, 0), totals[section_id])
            for section_id, parent, title, emoji in rows
        ]

    def subtree(self, section_id: str) -> set[str]:
        """The ids of a section and every section below it; NotFoundError with a did-you-mean otherwise."""
        tree = self.conn.execute("SELECT id, parent FROM sections ORDER BY position").fetchall()
        if section_id not in {row[0] for row in tree}:
            hint = did_you_mean(section_id, [row[0] for row in tree]) or "`evlm sections` lists them"
            raise NotFoundError(f"no section {quoted(section_id)}", hint=hint)
        found = {section_id}
        for child, parent in tree:  # parents come before children
            if parent in found:
                found.add(child)
        return found

    # -- vocabulary ---------------------------------------------------------------------------
    def known_words(self, candidates: Sequence[str]) -> set[str]:
        """Which of these folded words occur somewhere in the database (unstemmed)."""
        if not candidates:
            return set()
        marks = ",".join("?" * len(candidates))
        rows = self.conn.execute(f"SELECT term FROM vocab WHERE term IN ({marks})", list(candidates))  # noqa: S608
        return {row[0] for row in rows}

    def words_near(self, length: int, slack: int) -> Iterator[tuple[str, int]]:
        """Vocabulary words (and how many papers hold them) whose length is within `slack` of `length`."""
        yield from self.conn.execute(
            "SELECT term, docs FROM vocab WHERE length(term) BETWEEN ? AND ?", (length - slack, length + slack)
        )

    # -- papers -------------------------------------------------------------------------------
    def count(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM docs").fetchone()[0])

    def ordered(self) -> list[int]:
        """Every row id, in reading order."""
        return [row[0] for row in self.conn.execute("SELECT rowid FROM docs ORDER BY position")]

    def keys(self) -> list[str]:
        return [row[0] for row in self.conn.execute("SELECT citekey FROM docs ORDER BY position")]

    def paper(self, key: str) -> tuple[dict[str, Any], str]:
        """One paper's JSON and its section path (for an alias, its paper's); NotFoundError naming the closest keys
        otherwise."""
        row = self.conn.execute("SELECT json, section FROM docs WHERE citekey = ?", (key,)).fetchone()
        if row is None:  # an alias: rare, so looked up in the JSON rather than in a column of its own
            pattern = '%"aliases": [%' + json.dumps(key) + "%"
            candidates = self.conn.execute("SELECT json, section FROM docs WHERE json LIKE ?", (pattern,))
            row = next((found for found in candidates if key in json.loads(found[0]).get("aliases", ())), None)
        if row is None:
            hint = did_you_mean(key, self.keys()) or "`evlm list` lists them"
            raise NotFoundError(f"no paper {quoted(key)}", hint=hint)
        return json.loads(row[0]), row[1]

    def fetch(self, rowids: Sequence[int], columns: str) -> Iterator[tuple[Any, ...]]:
        """Rows of `docs` (the given SQL column list) for these rowids, in the given order."""
        if len(rowids) == self.count() and rowids == self.ordered():
            yield from self.conn.execute(f"SELECT {columns} FROM docs ORDER BY position")  # noqa: S608
            return
        self.conn.execute("CREATE TEMP TABLE IF NOT EXISTS pick(rank INTEGER PRIMARY KEY, id INTEGER NOT NULL)")
        self.conn.execute("DELETE FROM pick")
        self.conn.executemany("INSERT INTO pick(id) VALUES (?)", ((rowid,) for rowid in rowids))
        if self.conn.in_transaction:
            self.conn.commit()
        yield from self.conn.execute(
            f"SELECT {columns} FROM pick JOIN docs ON docs.rowid = pick.id ORDER BY pick.rank"  # noqa: S608
        )


# -- building ---------------------------------------------------------------------------------------

INSERT_DOC = (
    f"INSERT INTO docs(rowid, position, chunk, section_id, {', '.join(COLUMNS)}, json, "  # noqa: S608 - fixed names
    f"{', '.join(_FOLDED.values())}) VALUES ({', '.join('?' * (len(COLUMNS) + len(_FOLDED) + 5))})"
)


def doc_row(rowid: int, position: int, chunk: str | None, paper: Paper, paths: dict[str, str]) -> tuple[Any, ...]:
    """The `docs` row of a paper, in INSERT_DOC's order."""
    texts = {
        "title": paper.title,
        "section": paths.get(paper.section, paper.section),
        "tags": "; ".join(paper.tags),
        "authors": "; ".join(paper.authors),
        "venue": paper.venue,
        "note": paper.note,
        "abstract": paper.abstract,
        "citekey": paper.key,
    }
    fields = (paper.year if column == "year" else texts[column] for column in COLUMNS)
    folded = (None if texts[column].isascii() else fold(texts[column]) for column in _FOLDED)
    return (rowid, position, chunk, paper.section, *fields, paper_json_text(paper), *folded)


WORDS_OF_DOCS = (
    "SELECT rowid, title || ' ' || section || ' ' || tags || ' ' || authors || ' ' || venue || ' ' || note || ' ' "
    "|| abstract FROM searched"
)
"""Every searched word of the papers, as the index sees them (folded), for the vocabulary."""


def _build(
    conn: sqlite3.Connection, survey: Survey, meta: dict[str, str] | None = None, data: bytes | None = None
) -> None:
    """Create the index of a survey; with the database's bytes, also record each paper's block hash (and the
    hash of the text before the papers) so that a later edit can be applied incrementally."""
    from evlm_cli.search import incremental

    conn.executescript(_SCHEMA)
    conn.executemany(
        "INSERT INTO sections(position, id, parent, title, emoji) VALUES (?, ?, ?, ?, ?)",
        ((i, s.id, s.parent, s.title, s.emoji) for i, s in enumerate(survey.sections)),
    )
    blocks = incremental.split(data) if data is not None else None
    chunks = {block.key: block.digest for block in blocks.blocks} if blocks else {}
    if blocks and len(chunks) == len(blocks.blocks) == len(survey.papers):
        meta = {**(meta or {}), "prefix": blocks.prefix_digest}
    else:
        chunks = {}
    paths = {s.id: survey.section_path(s.id) for s in survey.sections}
    conn.executemany(
        INSERT_DOC,
        (
            doc_row(rowid, rowid, chunks.get(paper.key), paper, paths)
            for rowid, paper in enumerate(survey.in_reading_order(), start=1)
        ),
    )
    conn.execute("INSERT INTO fts(fts) VALUES ('rebuild')")
    conn.execute(f"INSERT INTO words(rowid, text) {WORDS_OF_DOCS}")
    conn.execute("INSERT INTO vocab SELECT term, doc FROM words_vocab")
    conn.execute("DROP TABLE words_vocab")
    conn.execute("DROP TABLE words")
    conn.executemany("INSERT INTO meta VALUES (?, ?)", sorted({"format": FORMAT, **(meta or {})}.items()))
    conn.commit()


# -- the cache file ---------------------------------------------------------------------------------


def cache_file(db_path: Path) -> Path:
    """The cache file of a database, named after a hash of its resolved path."""
    name = hashlib.sha256(str(db_path.resolve()).encode("utf-8")).hexdigest()[:20]
    return cache_dir() / f"index-{name}.sqlite"


def _stamp(db_path: Path, st: os.stat_result, digest: str) -> dict[str, str]:
    racy = time.time_ns() - st.st_mtime_ns < RACY_NS
    return {
        "source": str(db_path.resolve()),
        "mtime_ns": str(st.st_mtime_ns),
        "size": str(st.st_size),
        "sha256": digest,
        "racy": "1" if racy else "0",
    }


def _read_meta(target: Path) -> dict[str, str] | None:
    """The cache's meta table, or None when there is no usable cache (missing, corrupt, another format)."""
    if not target.is_file():
        return None
    try:
        conn = sqlite3.connect(f"file:{target}?mode=ro", uri=True)
        try:
            meta = dict(conn.execute("SELECT name, value FROM meta").fetchall())
        finally:
            conn.close()
    except sqlite3.Error:
        return None
    return meta if meta.get("format") == FORMAT else None


def _write(target: Path, survey: Survey, meta: dict[str, str], data: bytes | None = None) -> None:
    """Build the index into a temporary file beside `target`, then move it into place atomically."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    try:
        conn = sqlite3.connect(tmp)
        try:
            conn.execute("PRAGMA journal_mode = OFF")
            conn.execute("PRAGMA synchronous = OFF")
            _build(conn, survey, meta, data)
        finally:
            conn.close()
        tmp.replace(target)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def _connect(target: Path) -> sqlite3.Connection:
    # Autocommit: a reader must never keep a transaction (and its lock) open after a statement, or a later
    # connection's meta update would wait for it.
    conn = sqlite3.connect(target, timeout=1.0, isolation_level=None)
    try:
        conn.execute("SELECT count(*) FROM meta").fetchone()  # fail now, not mid-query, if the file is damaged
        # A file that opens but whose tables disagree (rows deleted from `docs`, the FTS index emptied) would give
        # wrong answers or fail mid-query: treat it as damaged, so it is rebuilt.
        docs, sized = conn.execute("SELECT (SELECT count(*) FROM docs), (SELECT count(*) FROM fts_docsize)").fetchone()
        if docs != sized:
            raise sqlite3.DatabaseError(f"the search index is inconsistent ({docs} papers, {sized} indexed)")
    except sqlite3.Error:
        conn.close()
        raise
    return conn


def open_index(db_path: Path) -> Index:
    """The index of the database at `db_path`: the cache when it is fresh, else rebuilt (from the TOML) into the
    cache, else, when the cache cannot be used at all, built in memory. Database errors propagate as from db.load.
    Like every read, it first finishes a write that was interrupted after its commit point."""
    from evlm_cli.journal import finish_interrupted

    finish_interrupted(db_path)
    try:
        st = db_path.stat()
        target = cache_file(db_path)
    except OSError:
        return Index.in_memory(_load(db_path))  # raises the usual "no such database" error
    if not stat.S_ISREG(st.st_mode) or st.st_size > DATABASE_LIMIT:
        return Index.in_memory(_load(db_path))  # a pipe or /dev/zero is never hashed: the loader refuses it
    meta = _read_meta(target)
    stat_matches = meta is not None and (meta.get("mtime_ns"), meta.get("size")) == (
        str(st.st_mtime_ns),
        str(st.st_size),
    )
    if meta is not None and stat_matches and meta.get("racy") == "0":
        with contextlib.suppress(sqlite3.Error):
            return Index(_connect(target), cached=True)
    try:
        digest = _hash_file(db_path)
    except OSError:
        return Index.in_memory(_load(db_path))
    if meta is not None and meta.get("sha256") == digest:
        with contextlib.suppress(sqlite3.Error):
            conn = _connect(target)
            with contextlib.suppress(sqlite3.Error):  # a read-only cache folder still serves reads
                conn.executemany("REPLACE INTO meta VALUES (?, ?)", _stamp(db_path, st, digest).items())
            return Index(conn, cached=True)
    if meta is not None and meta.get("prefix"):
        updated = _try_incremental(target, db_path, _stamp(db_path, st, digest))
        if updated is not None:
            return updated
    try:
        data = db_path.read_bytes()
        survey = _load(db_path, data.decode("utf-8"))
    except (OSError, UnicodeDecodeError):
        data, survey = None, _load(db_path)  # raises the usual error
    try:
        _write(target, survey, _stamp(db_path, st, digest), data)
        return Index(_connect(target), cached=True)
    except (OSError, sqlite3.Error):
        return Index.in_memory(survey)


def _load(db_path: Path, text: str | None = None) -> Survey:
    """The database, parsed and validated (imported here: a warm command never needs the TOML reader)."""
    from evlm_cli import db

    return db.load(db_path) if text is None else db.loads(text, source=str(db_path))


def _try_incremental(target: Path, db_path: Path, stamp: dict[str, str]) -> Index | None:
    """Apply an edit of a few papers to the cache in place; None when a full rebuild is needed instead."""
    from evlm_cli.errors import EvlmError
    from evlm_cli.search import incremental

    try:
        conn = _connect(target)
    except sqlite3.Error:
        return None
    try:
        if incremental.apply(conn, db_path.read_bytes(), stamp):
            return Index(conn, cached=True)
    except (OSError, UnicodeDecodeError, sqlite3.Error, EvlmError):
        with contextlib.suppress(sqlite3.Error):
            if conn.in_transaction:
                conn.rollback()
    conn.close()
    return None


def using_index(db_path: Path, action: Callable[[Index], T]) -> T:
    """Run `action` on the database's index; if the cache fails midway (a damaged file), forget it and run
    `action` again on an index built in memory, so a broken cache never changes an answer."""
    try:
        return action(open_index(db_path))
    except sqlite3.DatabaseError:
        with contextlib.suppress(OSError):
            cache_file(db_path).unlink()
        return action(Index.in_memory(_load(db_path)))


def refresh_after_write(db_path: Path, survey: Survey) -> None:
    """Update (or rebuild) the cache of a database evlm has just written, so the next command finds it warm."""
    target = cache_file(db_path)
    stamp = _stamp(db_path, db_path.stat(), _hash_file(db_path))
    meta = _read_meta(target)
    if meta is not None and meta.get("prefix"):  # usually one paper changed: update in place
        updated = _try_incremental(target, db_path, stamp)
        if updated is not None:
            updated.conn.close()
            return
    _write(target, survey, stamp, db_path.read_bytes())


def _hash_file(path: Path) -> str:
    """SHA-256 of a file, read in blocks so memory stays flat however big the database grows."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()
