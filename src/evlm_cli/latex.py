"""Text to LaTeX for BibTeX fields, and LaTeX back to text, both safe for any input.

`encode` writes Unicode text so that classic BibTeX and LaTeX accept it unchanged. The ten LaTeX specials, plus
`< > | "` (which OT1 fonts and babel misprint) and `[ ]` (which would end alpha's `\\bibitem[label]`), become
`{\\&}`, `{\\textless}`, `{[}`, ...; letters with accents become `{\\"u}`. Both are BibTeX "special characters",
which it sorts, abbreviates and case-changes as one letter. Characters with no LaTeX form stay UTF-8; `--` and
`''`-style ligatures are broken with `{}` so they read back as typed. Braces are never written raw, so a value can
never close its field early. `decode` is the inverse (pylatexenc, plus the text commands used here):
`decode(encode(text)) == normalize_space(text)`.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from typing import TYPE_CHECKING

from evlm_cli.text import normalize_space

if TYPE_CHECKING:
    from pylatexenc.latex2text import LatexNodes2Text
    from pylatexenc.latexencode import UnicodeToLatexEncoder

_ESCAPES = {
    "&": r"{\&}",
    "%": r"{\%}",
    "$": r"{\$}",
    "#": r"{\#}",
    "_": r"{\_}",
    "{": r"{\textbraceleft}",
    "}": r"{\textbraceright}",
    "\\": r"{\textbackslash}",
    "~": r"{\textasciitilde}",
    "^": r"{\textasciicircum}",
    "<": r"{\textless}",
    ">": r"{\textgreater}",
    "|": r"{\textbar}",
    '"': r"{\textquotedbl}",
    "[": "{[}",
    "]": "{]}",
}
"""Each written as a BibTeX special character, `{\\cmd}`, so styles that abbreviate or change case keep it whole."""
_TEXT_COMMANDS = {
    "textbraceleft": "{",
    "textbraceright": "}",
    "textbackslash": "\\",
    "textasciitilde": "~",
    "textasciicircum": "^",
    "textless": "<",
    "textgreater": ">",
    "textbar": "|",
    "textquotedbl": '"',
    "TeX": "TeX",
    "LaTeX": "LaTeX",
    "LaTeXe": "LaTeX2e",
    "BibTeX": "BibTeX",
}
_LIGATURES = frozenset({"--", "''", "``", "!`", "?`"})
"""Character pairs TeX (and pylatexenc) would join into one glyph: en dash, quotes, inverted marks."""
_NEEDS_DECODING = re.compile(r"[\\{}$~%]|--|''|``|!`|\?`")


_PLAIN = re.compile(r"[ !\'(-;=?-Z`a-z]*")
"""Printable ASCII without the specials of `_ESCAPES`: such text (most titles) needs no encoding..."""
_PLAIN_LIGATURE = re.compile(r"--|''|``|!`|\?`")
"""... unless it holds a ligature pair."""


def encode(text: str, *, one: Callable[[str], str] | None = None) -> str:
    """`text` as the body of a BibTeX field: white space collapsed, control characters dropped. `one` writes each
    character instead of `encode_char` (`evlm_cli.latex_body`); it must leave plain ASCII as it is."""
    text = normalize_space(text)
    if _PLAIN.fullmatch(text) and not _PLAIN_LIGATURE.search(text):
        return text  # the fast path: the loop below would return it unchanged
    out: list[str] = []
    previous = ""
    for char in text:
        if previous + char in _LIGATURES:
            out.append("{}")
        out.append((one or encode_char)(char))
        previous = char
    return "".join(out)


@functools.cache
def encode_char(char: str) -> str:
    """One character in LaTeX: escaped, a `{\\'e}` special character, or itself when nothing safer reads back."""
    if char in _ESCAPES:
        return _ESCAPES[char]
    if char.isascii():
        return char if char.isprintable() else ""
    if not char.isprintable():
        return ""
    candidate: str = _encoder().unicode_to_latex(char)
    if candidate.isascii() and candidate != char and _decoder().latex_to_text(candidate) == char:
        return candidate
    return char


def decode(value: str) -> str:
    """A BibTeX field's LaTeX as plain Unicode text, white space collapsed (`M{\\"u}ller` -> `Müller`).

    Braces, escapes, text commands and accents (what `encode` and most .bib files write) are decoded here directly;
    anything else (math, unknown macros, ties) goes to pylatexenc, which is about 50 times slower.
    """
    if not _NEEDS_DECODING.search(value):
        return normalize_space(value)
    value = _HREF.sub(lambda m: f"{m.group(2)} <{m.group(1)}>", value)  # pylatexenc 2.11 crashes on \href
    fast = _decode_simple(value)
    if fast is not None:
        return normalize_space(fast)
    try:
        text: str = _decoder().latex_to_text(value)
    except Exception:  # noqa: BLE001 - a decoder bug must not stop an import; keep the text, minus the braces
        text = value.replace("{", "").replace("}", "")
    return normalize_space(text)


_HREF = re.compile(r"\\href\s*\{([^{}]*)\}\s*(\{(?:[^{}]|\{[^{}]*\})*\})")


_ACCENTS = {
    "'": "\u0301",
    "`": "\u0300",
    "^": "\u0302",
    '"': "\u0308",
    "~": "\u0303",
    "=": "\u0304",
    ".": "\u0307",
    "u": "\u0306",
    "v": "\u030c",
    "H": "\u030b",
    "c": "\u0327",
    "k": "\u0328",
    "r": "\u030a",
    "b": "\u0331",
    "d": "\u0323",
}
_LETTERS = {
    "i": "ı",
    "j": "ȷ",
    "o": "ø",
    "O": "Ø",
    "l": "ł",
    "L": "Ł",
    "ss": "ß",
    "ae": "æ",
    "AE": "Æ",
    "oe": "œ",
    "OE": "Œ",
    "aa": "å",
    "AA": "Å",
}
_COMMAND = re.compile(r"\\([a-zA-Z]+)\s*(\{\})?|\\([&%$#_{}])|\\(['`^\"~=.])")
_ACCENT_ARGUMENT = re.compile(r"\s*(?:([a-zA-Z])|\{([a-zA-Z])\}|\{\\([ij])\})")
_OPEN, _CLOSE = "\ue000", "\ue001"
"""Private-use stand-ins for escaped braces while the grouping braces are dropped."""
_NOT_SIMPLE = re.compile(r"[$~%]|--|''|``|!`|\?`")


def _decode_simple(value: str) -> str | None:
    """`value` decoded when it holds only braces, escapes, known text commands and accents on letters; else None."""
    unescaped = re.sub(r"\\[&%$#_{}]", " ", value).replace("{}", " ")
    if _NOT_SIMPLE.search(unescaped) or _OPEN in value or _CLOSE in value:
        return None
    out: list[str] = []
    position = 0
    while True:
        backslash = value.find("\\", position)
        out.append(value[position : len(value) if backslash < 0 else backslash])
        if backslash < 0:
            break
        match = _COMMAND.match(value, backslash)
        if not match:
            return None
        position = match.end()
        word, symbol, accent = match.group(1), match.group(3), match.group(4)
        if symbol or word in _TEXT_COMMANDS or word in _LETTERS:
            char = symbol or _TEXT_COMMANDS.get(word) or _LETTERS[word]
            out.append({"{": _OPEN, "}": _CLOSE}.get(char, char))  # kept apart from the braces stripped below
            continue
        mark = _ACCENTS.get(accent or word or "")
        if mark is None or (word and match.group(2)):
            return None
        argument = _ACCENT_ARGUMENT.match(value, match.end(1) if word else match.end())
        if not argument:
            return None
        base = argument.group(1) or argument.group(2) or argument.group(3)  # \\"{\\i} is an ï
        out.append(unicodedata.normalize("NFC", base + mark))
        position = argument.end()
    text = "".join(out).replace("{", "").replace("}", "")
    return text.replace(_OPEN, "{").replace(_CLOSE, "}")


def _quiet() -> None:
    """pylatexenc logs its own configuration's slips (`\\textfrac failed its substitution` while `encode_char`
    checks `⅓`); with no logging set up, Python would print them on stderr. They are no user's concern."""
    import logging

    logger = logging.getLogger("pylatexenc")
    if not logger.handlers:
        logger.addHandler(logging.NullHandler())


@functools.cache
def _encoder() -> UnicodeToLatexEncoder:
    from pylatexenc.latexencode import UnicodeToLatexEncoder

    _quiet()

    return UnicodeToLatexEncoder(
        non_ascii_only=True,
        replacement_latex_protection="braces-all",
        unknown_char_policy="keep",
        unknown_char_warning=False,
    )


@functools.cache
def _decoder() -> LatexNodes2Text:
    from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

    _quiet()

    context = get_default_latex_context_db()
    context.add_context_category(
        "evlm-text-commands",
        prepend=True,
        macros=[MacroTextSpec(name, simplify_repl=text) for name, text in _TEXT_COMMANDS.items()],
    )
    return LatexNodes2Text(latex_context=context, math_mode="text")
