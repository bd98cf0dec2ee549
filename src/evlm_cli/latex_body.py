"""Text for the body of a LaTeX document (`evlm stats --latex`) that pdflatex typesets with the LaTeX kernel alone,
in the classic OT1 font encoding as in T1.

`evlm_cli.latex.encode` writes BibTeX fields; this writes text that a document `\\input`s, where one character
pdflatex has no glyph for stops the run. On top of `encode`'s escaping, character by character:

- what LaTeX writes with a command only T1 fonts have (the straight `"`, `ð þ đ ŋ ą ę`, guillemets, low quotes)
  is set in T1 for that glyph alone, `{\\fontencoding{T1}\\selectfont{\\dh}}`, so that OT1 documents compile too;
- a Latin letter LaTeX has no command for is built from its base letter and LaTeX's accents (`ệ` -> `\\d{\\^{e}}`),
  leaving out a mark LaTeX has no accent for (the Vietnamese horn), or else becomes its base letter (`ħ` -> `h`);
  compatibility characters become what they stand for (`ǅ` -> `D\\v{z}`, `‼` -> `!!`, `ℝ` -> `R`);
- other characters that no pdflatex font has (emoji and other pictographs, with their modifiers and variation
  selectors; rare punctuation, currency signs and arrows) are left out;
- letters LaTeX needs a package for (Cyrillic, CJK, Greek capitals, Arabic, IPA, ...) are kept as UTF-8 and
  reported by script, so that the caller can name the package (or xelatex and lualatex, which need none).

Math symbols are written as `encode` writes them, as LaTeX math: the rarer ones need `amssymb`.
"""

from __future__ import annotations

import re
import unicodedata

from evlm_cli.latex import encode, encode_char

_T1_ONLY = frozenset(
    {"textquotedbl", "guillemotleft", "guillemotright", "guilsinglleft", "guilsinglright", "quotesinglbase",
     "quotedblbase", "DH", "dh", "TH", "th", "DJ", "dj", "NG", "ng", "k"}
)  # fmt: skip
"""Commands `encode` writes that exist in the T1 encoding only: pdflatex stops on them in an OT1 document."""
_LETTER_COMMANDS = frozenset(
    {"'", "`", "^", '"', "~", "=", ".", "u", "v", "H", "c", "d", "b", "r", "k", "t", "i", "j", "o", "O", "l", "L",
     "ss", "SS", "ae", "AE", "oe", "OE", "aa", "AA", "dh", "DH", "th", "TH", "dj", "DJ", "ng", "NG", "ij", "IJ",
     "textmu", "ensuremath", "acute", "aleph", "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta",
     "eta", "theta", "vartheta", "iota", "kappa", "lambda", "mu", "nu", "xi", "pi", "varpi", "rho", "varrho", "sigma",
     "varsigma", "tau", "upsilon", "phi", "varphi", "chi", "psi", "omega", "Gamma", "Delta", "Theta", "Lambda",
     "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi", "Omega"}
)  # fmt: skip
"""The commands of the LaTeX kernel `encode` writes letters with (accents, special letters, Greek in math): a
letter written with any other (`\\textschwa`, `\\cyrr`, `\\mathbb`) needs a package."""
_COMMAND = re.compile(r"\\([a-zA-Z]+|[^a-zA-Z])")
_ABOVE = {
    "\u0300": "`", "\u0301": "'", "\u0302": "^", "\u0303": "~", "\u0304": "=", "\u0306": "u", "\u0307": ".",
    "\u0308": '"', "\u030a": "r", "\u030b": "H", "\u030c": "v",
}  # fmt: skip
"""Combining marks above a letter -> LaTeX's accent."""
_BELOW = {"\u0323": "d", "\u0326": "c", "\u0327": "c", "\u0328": "k", "\u0331": "b"}
"""Combining marks below a letter -> LaTeX's accent (a comma below is written as a cedilla: no other in OT1/T1)."""
_DECLARED = frozenset("·¸‐‑‒―")
"""Characters `encode` keeps as they are that pdflatex typesets anyway (LaTeX's UTF-8 input declares them)."""
_LATIN_NAME = re.compile(r"LATIN (CAPITAL|SMALL) LETTER (?:[A-Z]+ )*?([A-Z])\b.*")
"""A Latin letter's Unicode name, naming its base letter (`... LETTER H WITH STROKE`, `... LONG S`, `... OPEN O`)."""
_SCRIPTS = {"HIRAGANA": "CJK", "KATAKANA": "CJK", "HANGUL": "CJK", "CJK": "CJK", "CYRILLIC": "Cyrillic",
            "GREEK": "Greek"}  # fmt: skip
"""Scripts by the first word of their letters' Unicode names (Japanese and Korean go with CJK: one package)."""
OTHER_LETTERS = "other"
"""The script reported for letters of Latin's rarer blocks (IPA, ...) and other scripts' that LaTeX's kernel lacks
but Unicode names no script for."""
_NOT_SCRIPTS = frozenset({"LATIN", "MODIFIER", "TURNED", "ROMAN", "SCRIPT", "BLACK-LETTER", "DOUBLE-STRUCK"})
_SPACES = re.compile(" {2,}")


def encode_body(text: str) -> tuple[str, dict[str, str]]:
    """`text` as LaTeX for a document's body, and the letters in it kept as UTF-8 for want of a package, by script
    (`{"Cyrillic": "Иван"}`, each letter once)."""
    needs: dict[str, str] = {}
    kept = False
    """Whether the last character was kept as UTF-8: its combining marks are then kept with it."""

    def one(char: str) -> str:
        nonlocal kept
        if kept and unicodedata.category(char)[0] == "M":  # a vowel sign, a virama, ...
            return char
        latex, script = _typeset(char)
        kept = script is not None
        if script is not None and char not in needs.get(script, ""):
            needs[script] = needs.get(script, "") + char
        return latex

    latex = encode(unicodedata.normalize("NFC", text), one=one)
    return _SPACES.sub(" ", latex).strip(), needs  # one space where an emoji between two was left out


def _typeset(char: str) -> tuple[str, str | None]:
    """One character as LaTeX, or itself with its script when LaTeX's kernel has no form for it."""
    form = encode_char(char)
    if char.isascii() or not form:
        return _in_t1(form), None
    letter = unicodedata.category(char)[0] == "L"
    if form != char and (not letter or set(_COMMAND.findall(form)) <= _LETTER_COMMANDS):
        return _in_t1(form), None
    if char in _DECLARED:
        return char, None
    built = _built(char)
    if built is not None:
        return built, None
    if letter or unicodedata.category(char)[0] == "N":
        return char, _script(char)
    return "", None  # a symbol, mark or punctuation no pdflatex font has: an emoji, a variation selector, ...


def _in_t1(form: str) -> str:
    if any(command in _T1_ONLY for command in _COMMAND.findall(form)):
        return r"{\fontencoding{T1}\selectfont" + form + "}"
    return form


def _built(char: str) -> str | None:
    """A character LaTeX has no command for, from its decomposition (base letters and accents) or, for a Latin
    letter, its base letter."""
    decomposed = unicodedata.normalize("NFKD", char)
    if decomposed != char:
        clusters: list[str] = []
        for part in decomposed:
            if clusters and unicodedata.combining(part):
                clusters[-1] += part
            else:
                clusters.append(part)
        built = [_accented(cluster) for cluster in clusters]
        if all(part is not None for part in built):
            return "".join(part or "" for part in built)
    match = _LATIN_NAME.fullmatch(unicodedata.name(char, ""))
    if match is None:
        return None
    return match.group(2) if match.group(1) == "CAPITAL" else match.group(2).lower()


def _accented(cluster: str) -> str | None:
    """A base character and its combining marks as LaTeX accents (marks LaTeX has no accent for are left out)."""
    base, marks = cluster[0], cluster[1:]
    if unicodedata.combining(base) or base.isspace():
        return None
    latex, script = _typeset(base)
    if script is not None or not latex:
        return None
    above = [_ABOVE[mark] for mark in marks if mark in _ABOVE]
    below = [_BELOW[mark] for mark in marks if mark in _BELOW]
    if above and latex in {"i", "j"}:
        latex = "\\" + latex  # dotless, to carry the accent
    for accent in above + below:  # accents above sit on the letter, those below under the accented letter
        latex = f"\\{accent}{{{latex}}}"
    return _in_t1(latex)


def _script(char: str) -> str:
    first = unicodedata.name(unicodedata.normalize("NFKD", char)[0], "").split(" ")[0]  # BET SYMBOL: HEBREW ...
    if first in _SCRIPTS:
        return _SCRIPTS[first]
    return OTHER_LETTERS if not first or first in _NOT_SCRIPTS else first.capitalize()
