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
}
_LIGATURES = frozenset({"--", "''", "``", "!`", "?`"})
"""Character pairs TeX (and pylatexenc) would join into one glyph: en dash, quotes, inverted marks."""
_NEEDS_DECODING = re.compile(r"[\\{}$~%]|--|''|``|!`|\?`")


def encode(text: str) -> str:
    """`text` as the body of a BibTeX field: white space collapsed, control characters dropped."""
    out: list[str] = []
    previous = ""
    for char in normalize_space(text):
        if previous + char in _LIGATURES:
            out.append("{}")
        out.append(encode_char(char))
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
    """A BibTeX field's LaTeX as plain Unicode text, white space collapsed (`M{\\"u}ller` -> `Müller`)."""
    if not _NEEDS_DECODING.search(value):
        return normalize_space(value)
    text: str = _decoder().latex_to_text(value)
    return normalize_space(text)


@functools.cache
def _encoder() -> UnicodeToLatexEncoder:
    from pylatexenc.latexencode import UnicodeToLatexEncoder

    return UnicodeToLatexEncoder(
        non_ascii_only=True,
        replacement_latex_protection="braces-all",
        unknown_char_policy="keep",
        unknown_char_warning=False,
    )


@functools.cache
def _decoder() -> LatexNodes2Text:
    from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

    context = get_default_latex_context_db()
    context.add_context_category(
        "evlm-text-commands",
        prepend=True,
        macros=[MacroTextSpec(name, simplify_repl=text) for name, text in _TEXT_COMMANDS.items()],
    )
    return LatexNodes2Text(latex_context=context, math_mode="text")
