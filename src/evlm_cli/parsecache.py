"""A cache of parsed, validated databases, keyed by the SHA-256 of their text.

Reading the TOML is the floor of every command that needs the whole survey (about 0.06 ms a paper with tomli, plus
validation): 7 s at 100,000 papers. A database that evlm has already parsed is stored here as a pickle of its
frozen `Survey`, which loads about ten times faster. It is only a cache: it is keyed by the exact bytes of the
database, so an edit from any program is a miss; it is skipped for small databases, where parsing is cheap; and a
missing, damaged or unwritable cache falls back to parsing, silently.

Pickle runs code when loaded, so the cache lives in the user's own cache folder (as black's does), in files only
evlm writes, each stamped with evlm's version and the model's shape, so a model change never reads an old layout.
"""

from __future__ import annotations

import contextlib
import hashlib
import pickle
from pathlib import Path

from evlm_cli import __version__
from evlm_cli.cachedir import cache_dir
from evlm_cli.model import Survey

MIN_SIZE = 256 * 1024
"""Databases smaller than this (about 150 papers) are parsed every time: the cache would not pay for itself."""
KEEP = 4
"""Parsed databases kept; older ones are removed when a new one is stored."""


def _model_shape() -> str:
    """The model's classes and their fields: a pickle of another shape must never load (a development install
    changes the model without changing evlm's version, and a slotted object unpickled into new fields is broken)."""
    import dataclasses

    from evlm_cli import model

    shapes = sorted(
        f"{name}({','.join(field.name for field in dataclasses.fields(value))})"
        for name, value in vars(model).items()
        if isinstance(value, type) and dataclasses.is_dataclass(value)
    )
    return hashlib.sha256(";".join(shapes).encode("utf-8")).hexdigest()[:16]


_STAMP = f"evlm {__version__} model {_model_shape()} pickle {pickle.HIGHEST_PROTOCOL}\n".encode()


def _file(text: str) -> Path:
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
    return cache_dir() / "parsed" / f"{digest}.pickle"


def get(text: str) -> tuple[Survey, bool] | None:
    """The Survey parsed from exactly this text before, and whether evlm wrote the text (so it is canonical)."""
    if len(text) < MIN_SIZE:
        return None
    try:
        data = _file(text).read_bytes()
        if not data.startswith(_STAMP):
            return None
        survey, canonical = pickle.loads(data[len(_STAMP) :])  # noqa: S301 - our own file in the user's cache
    except Exception:  # noqa: BLE001 - any failure means: parse the TOML instead
        return None
    return (survey, canonical is True) if isinstance(survey, Survey) else None


def put(text: str, survey: Survey, *, canonical: bool) -> None:
    """Remember the Survey parsed from this text (`canonical`: evlm wrote it as `db.dumps(survey)`); never fails."""
    if len(text) < MIN_SIZE:
        return
    with contextlib.suppress(Exception):
        from evlm_cli.fsutil import atomic_write

        target = _file(text)
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(target, _STAMP + pickle.dumps((survey, canonical), protocol=pickle.HIGHEST_PROTOCOL))
        others = sorted(
            (p for p in target.parent.glob("*.pickle") if p != target), key=lambda p: p.stat().st_mtime, reverse=True
        )
        for old in others[KEEP - 1 :]:
            old.unlink(missing_ok=True)


# -- the blocks evlm wrote ------------------------------------------------------------------------------------
# After another program wrote the database (a `git pull` of a co-maintainer's evlm write, most often), evlm cannot
# reuse the text of the papers a change leaves alone unless it knows that text is canonical; serialising the whole
# survey to find out costs about 1 s at 10,000 papers. So evlm remembers a digest of each paper's block in the last
# file it wrote: a block with a remembered digest is one evlm wrote for the paper it holds, hence canonical.


def _blocks_file() -> Path:
    return cache_dir() / "parsed" / "canonical-blocks.bin"


def block_digest(block: str) -> bytes:
    """16 bytes that stand for one paper's block of text."""
    return hashlib.blake2b(block.encode("utf-8"), digest_size=16, person=_STAMP[:16]).digest()


def remember_blocks(blocks: list[str]) -> None:
    """Remember the paper blocks of a text evlm has just written; never fails."""
    if sum(map(len, blocks)) < MIN_SIZE:
        return
    with contextlib.suppress(Exception):
        from evlm_cli.fsutil import atomic_write

        target = _blocks_file()
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(target, _STAMP + b"".join(sorted(block_digest(block) for block in blocks)))


def known_blocks() -> set[bytes]:
    """The digests `remember_blocks` stored last (empty when there are none, or they are another evlm's)."""
    try:
        data = _blocks_file().read_bytes()
    except OSError:
        return set()
    if not data.startswith(_STAMP):
        return set()
    body = data[len(_STAMP) :]
    return {body[i : i + 16] for i in range(0, len(body) - len(body) % 16, 16)}
