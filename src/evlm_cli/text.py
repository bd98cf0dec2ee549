"""Small pure text helpers shared by importers, renderers and keys."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")
# Encodings whose mis-decoding of UTF-8 we can undo; Mac Roman is what turned the survey's 🤖 into `ü§ñ`.
_MISDECODINGS = ("mac_roman", "cp1252")


def repair_mojibake(text: str) -> str:
    """Undo UTF-8 text that was decoded as Mac Roman or Windows-1252 (`ü§ñ` -> 🤖).

    Works run by run of non-ASCII characters: a run is replaced only when re-encoding it gives valid UTF-8,
    which genuine text (`Müller`) practically never does, so correct text passes through unchanged.
    """

    def fix(match: re.Match[str]) -> str:
        run = match.group(0)
        for encoding in _MISDECODINGS:
            try:
                repaired = run.encode(encoding).decode("utf-8")
            except (UnicodeEncodeError, UnicodeDecodeError):
                continue
            if repaired != run:
                return repaired
        return run

    return _NON_ASCII_RUN.sub(fix, text)


def ascii_fold(text: str) -> str:
    """Fold accents away (`Müller` -> `Muller`), dropping what has no ASCII form."""
    special = {"ß": "ss", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D"}
    text = "".join(special.get(ch, ch) for ch in text)
    decomposed = unicodedata.normalize("NFKD", text)
    return decomposed.encode("ascii", "ignore").decode("ascii")


ECHO_LIMIT = 60
"""Characters of an argument a message repeats: a pasted abstract or a 10,000-character key is not echoed whole."""


def quoted(value: str, limit: int = ECHO_LIMIT) -> str:
    """`repr(value)` for a message, shortened when long (`'quantization of vision…' (10,000 characters)`).

    Every message that repeats what the user typed (a key, a section id, a query, a format) goes through this."""
    if len(value) <= limit:
        return repr(value)
    head = repr(value[: limit - 1])
    return f"{head[:-1]}…{head[-1]} ({len(value):,} characters)"


def normalize_space(text: str) -> str:
    """Collapse every run of white space to one space and strip the ends."""
    return " ".join(text.split())


def slugify(text: str) -> str:
    """A lower-case ASCII id: `Post-Training Quantization` -> `post-training-quantization`."""
    words = re.findall(r"[a-z0-9]+", ascii_fold(text).lower())
    return "-".join(words)


def normalize_title(title: str) -> str:
    """The form two titles are compared in to find duplicates: accents folded, case folded, letters and digits only.

    Letters of every script are kept (`王小明` and `Γιώργος` stay distinct); accents are folded away on Latin, Greek
    and Cyrillic letters (`Müller` -> `muller`), whose marks are decoration, but kept on other scripts' letters."""
    if title.isascii():  # most titles: the same result, 20 times faster (a write checks every title for duplicates)
        return _NOT_ASCII_ALNUM.sub("", title).lower()
    return _normalize_any_title(title)


_NOT_ASCII_ALNUM = re.compile(r"[^0-9A-Za-z]+")


def _normalize_any_title(title: str) -> str:
    special = {"ß": "ss", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D"}
    kept: list[str] = []
    for ch in unicodedata.normalize("NFKD", "".join(special.get(ch, ch) for ch in title)):
        if unicodedata.combining(ch):
            if kept and ord(kept[-1]) >= _FOLDED_SCRIPTS_END:
                kept.append(ch)
        elif ch.isalnum():
            kept.append(ch)
    return unicodedata.normalize("NFC", "".join(kept)).casefold()


_FOLDED_SCRIPTS_END = 0x0530
"""Latin, Greek and Cyrillic letters lie below this code point: `normalize_title` folds their accents away."""


def closest(word: str, candidates: list[str] | tuple[str, ...], n: int = 3) -> list[str]:
    """The candidates most like `word`, ignoring case, for did-you-mean hints (a case-only difference comes first)."""
    import difflib

    by_lower: dict[str, list[str]] = {}
    for candidate in candidates:
        by_lower.setdefault(candidate.lower(), []).append(candidate)
    found = difflib.get_close_matches(word.lower(), list(by_lower), n=n, cutoff=0.5)
    return [original for lower in found for original in by_lower[lower]][:n]


def undecodable_argument(args: Iterable[str]) -> str | None:
    """Why a command-line argument cannot be used, when one holds bytes that are not UTF-8, else None.

    Python passes such bytes on as lone surrogates (`\\udcff` for the byte 0xff), which cannot be printed, written
    to the database or searched for; the message shows the bytes as typed."""
    for number, arg in enumerate(args, start=1):
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            raw = arg.encode("utf-8", "surrogateescape" if _only_escapes(arg) else "backslashreplace")
            shown = raw.decode("utf-8", "backslashreplace")
            return (
                f"argument {number}, '{shown}', is not UTF-8 text; evlm reads its arguments as UTF-8"
                " (check the terminal's or the script's encoding)"
            )
    return None


def _only_escapes(arg: str) -> bool:
    """Whether every surrogate in `arg` is one Python made from an undecodable byte (U+DC80..U+DCFF)."""
    return all(not "\ud800" <= c <= "\udfff" or "\udc80" <= c <= "\udcff" for c in arg)
