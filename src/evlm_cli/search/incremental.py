"""Applying an outside edit of a few papers to the cached index without parsing the whole TOML.

Parsing the TOML costs about 0.15 ms a paper (15 s at 100,000 papers), far more than anything else a search does.
The database's canonical form puts each paper in its own block, from a `[[papers]]` line to the next; each block
is a self-contained piece of TOML. The index records a hash of every block and of the text before the first one
(header and sections). When the file changes but that prefix did not, only the new blocks are parsed, together
with the prefix (so they are validated against the real sections), and the index gains and loses just those rows.

Anything unusual (a changed prefix, a block that is not one paper, a duplicate key, many changes, any error) makes
`apply` return False and the caller rebuilds the index from a full, validated parse, which reports errors
with their real line numbers. This is an optimisation only: its result equals a rebuild's.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from dataclasses import dataclass

from evlm_cli.search.analyze import SURFACE_TOKENIZER
from evlm_cli.search.index import COLUMNS, INSERT_DOC, WORDS_OF_DOCS, doc_row

HEADER = b"\n[[papers]]\n"
_KEY = re.compile(rb'key = "([A-Za-z0-9_:.\-]+)"\n')
MAX_CHANGED = 2000
"""More changed papers than this: a full rebuild is about as fast, and simpler."""


@dataclass(frozen=True, slots=True)
class Block:
    key: str
    digest: str
    body: bytes
    """The bytes after the `[[papers]]` line, up to the next one."""


@dataclass(frozen=True, slots=True)
class Blocks:
    prefix: bytes
    prefix_digest: str
    blocks: list[Block]


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def split(data: bytes) -> Blocks | None:
    """The bytes before the papers and each paper's block; None when the file is not in the per-block form.

    Bytes, not text: at 100,000 papers a decoded copy of the file (and of its blocks) would take several hundred
    megabytes, as non-ASCII names make Python store the text two bytes a character."""
    prefix, *bodies = data.split(HEADER)
    blocks = []
    for body in bodies:
        match = _KEY.match(body)
        # every table inside a block is the paper's own (its links, its provenance): anything else, and the file
        # is not one block per paper
        if match is None or body.count(b"\n[") != body.count(b"\n[[papers.") + body.count(b"\n[papers."):
            return None
        blocks.append(Block(match.group(1).decode("ascii"), _digest(body), body))
    return Blocks(prefix, _digest(prefix), blocks)


def apply(conn: sqlite3.Connection, data: bytes, stamp: dict[str, str]) -> bool:
    """Bring the index on `conn` up to date with the database's bytes by replacing only the changed papers;
    False if it cannot."""
    from evlm_cli import db

    parts = split(data)
    meta = dict(conn.execute("SELECT name, value FROM meta").fetchall())
    if parts is None or parts.prefix_digest != meta.get("prefix"):
        return False
    known = dict(conn.execute("SELECT chunk, rowid FROM docs").fetchall())
    if None in known:
        return False
    digests = [block.digest for block in parts.blocks]
    present = set(digests)
    if len(present) != len(digests):
        return False
    changed = [block for block in parts.blocks if block.digest not in known]
    removed = [rowid for digest, rowid in known.items() if digest not in present]
    if len(changed) > MAX_CHANGED:
        return False
    fresh = db.loads((parts.prefix + b"".join(HEADER + block.body for block in changed)).decode("utf-8"))
    if [p.key for p in fresh.papers] != [block.key for block in changed]:
        return False
    removed_set = set(removed)
    marks = ",".join("?" * len(changed))
    clash = conn.execute(f"SELECT rowid FROM docs WHERE citekey IN ({marks})", [b.key for b in changed]).fetchall()  # noqa: S608
    if any(rowid not in removed_set for (rowid,) in clash):
        return False  # a duplicate key: the full parse reports it properly

    sections = conn.execute("SELECT id, position FROM sections").fetchall()
    section_position = dict(sections)
    paths = {s.id: fresh.section_path(s.id) for s in fresh.sections}
    columns = ", ".join(COLUMNS)
    conn.execute("BEGIN IMMEDIATE")
    try:
        for start in range(0, len(removed), 500):
            chunk = removed[start : start + 500]
            marks = ",".join("?" * len(chunk))
            conn.execute(
                f"INSERT INTO fts(fts, rowid, {columns}) SELECT 'delete', rowid, {columns} FROM searched "  # noqa: S608
                f"WHERE rowid IN ({marks})",
                chunk,
            )
            conn.execute(f"DELETE FROM docs WHERE rowid IN ({marks})", chunk)  # noqa: S608
        next_rowid = int(conn.execute("SELECT coalesce(max(rowid), 0) FROM docs").fetchone()[0]) + 1
        new_rowids = list(range(next_rowid, next_rowid + len(changed)))
        conn.executemany(
            INSERT_DOC,
            (
                doc_row(rowid, 0, block.digest, paper, paths)
                for rowid, block, paper in zip(new_rowids, changed, fresh.papers, strict=True)
            ),
        )
        if new_rowids:
            where = f" WHERE rowid >= {next_rowid}"
            conn.execute(f"INSERT INTO fts(rowid, {columns}) SELECT rowid, {columns} FROM searched{where}")  # noqa: S608
            _add_words(conn, where)
        # Reading order: by section, then by place in the file.
        rows = dict(conn.execute("SELECT chunk, rowid || ' ' || section_id || ' ' || position FROM docs").fetchall())
        order = []
        for index, digest in enumerate(digests):
            rowid, section_id, position = rows[digest].split(" ")
            order.append((section_position.get(section_id, len(section_position)), index, int(rowid), int(position)))
        order.sort()
        moves = [(rank, rowid) for rank, (_, _, rowid, position) in enumerate(order, 1) if position != rank]
        conn.executemany("UPDATE docs SET position = ? WHERE rowid = ?", moves)
        conn.executemany("REPLACE INTO meta VALUES (?, ?)", stamp.items())
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return True


def _add_words(conn: sqlite3.Connection, where: str) -> None:
    """Add the new rows' words to the vocabulary (typo tolerance, did-you-mean); removed rows' words stay,
    which at worst suggests a word that no longer matches anything."""
    conn.execute(
        f"CREATE VIRTUAL TABLE temp.new_words USING fts5(text, content='', detail=none, tokenize='{SURFACE_TOKENIZER}')"
    )
    conn.execute("CREATE VIRTUAL TABLE temp.new_vocab USING fts5vocab(temp, new_words, 'row')")
    conn.execute(f"INSERT INTO temp.new_words(rowid, text) {WORDS_OF_DOCS}{where}")
    conn.execute(
        "INSERT INTO vocab(term, docs) SELECT term, doc FROM temp.new_vocab WHERE 1 "
        "ON CONFLICT(term) DO UPDATE SET docs = docs + excluded.docs"
    )
    conn.execute("DROP TABLE temp.new_vocab")
    conn.execute("DROP TABLE temp.new_words")
