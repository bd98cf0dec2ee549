"""Markdown details shared by the README importer and renderer: links, headings, emoji, GitHub anchors."""

from __future__ import annotations

import re
import unicodedata

# `[label](url)`: an unescaped `[`, a label with backslash escapes and one level of brackets, white space allowed
# around the URL inside the parentheses, and one level of parentheses in the URL.
LINK = re.compile(r"(?<!\\)\[(?P<label>(?:\\.|[^\[\]\\]|\[[^\[\]]*\])*)\]\(\s*(?P<url>(?:[^()\s]|\([^()\s]*\))+)\s*\)")
# Characters of user text that GitHub would read as Markdown links or HTML; `&` only where it starts an entity.
_SIGNIFICANT = re.compile(r"[\\\[\]<]|&(?=#?\w+;)")
_ESCAPED = re.compile(r"\\(?P<char>[!-/:-@\[-`{-~])|&(?P<entity>amp|lt|gt);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">"}


def escape_text(text: str) -> str:
    """User text (a title, a venue, a link label) made safe to put in Markdown: `[`, `]`, `\\` escaped, `<` as `&lt;`.

    The set is minimal, so ordinary titles are unchanged; `unescape_text` undoes it."""
    return _SIGNIFICANT.sub(
        lambda m: "&lt;" if m.group() == "<" else "&amp;" if m.group() == "&" else "\\" + m.group(), text
    )


def unescape_text(text: str) -> str:
    """Undo Markdown backslash escapes and the `&amp;`, `&lt;`, `&gt;` entities."""
    return _ESCAPED.sub(lambda m: m.group("char") or _ENTITIES[m.group("entity")], text)


def escape_url(url: str) -> str:
    """A URL safe inside `(...)` of a Markdown link: parentheses and spaces percent-encoded."""
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def unescape_url(url: str) -> str:
    """Undo `escape_url` for parentheses (a space is never valid in a stored URL, so %20 stays)."""
    return url.replace("%28", "(").replace("%29", ")")


HEADING = re.compile(r"^(?P<hashes>#{1,6})[ \t]+(?P<text>.*?)[ \t#]*$")
_EMOJI_CATEGORIES = {"So", "Sk", "Cf", "Mn", "Me", "Co"}


def split_emoji(text: str) -> tuple[str, str]:
    """Split leading emoji from a heading: `🧑‍💻 Runtime Optimization` -> (`🧑‍💻`, `Runtime Optimization`)."""
    text = text.strip()
    end = 0
    while end < len(text) and (unicodedata.category(text[end]) in _EMOJI_CATEGORIES or text[end] == "\ufe0f"):
        end += 1
    return text[:end], text[end:].strip()


def join_emoji(emoji: str, title: str) -> str:
    return f"{emoji} {title}" if emoji else title


def github_anchor(heading_text: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation and emoji dropped, spaces to hyphens.

    This is github-slugger's rule: keep letters, marks, numbers, connector punctuation, spaces and hyphens.
    """
    kept = []
    for char in heading_text.lower():
        category = unicodedata.category(char)
        if char in " -" or category[0] in "LMN" or category == "Pc":
            kept.append(char)
    return "".join(kept).replace(" ", "-")


def headings(markdown: str) -> list[tuple[int, str]]:
    """Every ATX heading outside fenced code blocks: (level, text), in order."""
    found: list[tuple[int, str]] = []
    fence: str | None = None
    for line in markdown.splitlines():
        stripped = line.lstrip()
        if stripped.startswith(("```", "~~~")):
            marker = stripped[:3]
            fence = None if fence == marker else (fence or marker)
            continue
        if fence is None:
            match = HEADING.match(line)
            if match:
                found.append((len(match.group("hashes")), match.group("text")))
    return found


def unique_anchors(texts: list[str]) -> list[str]:
    """Anchors for headings in document order, with GitHub's `-1`, `-2` suffixes for repeats."""
    counts: dict[str, int] = {}
    anchors = []
    for text in texts:
        base = github_anchor(text)
        anchor = base
        while anchor in counts:
            counts[base] += 1
            anchor = f"{base}-{counts[base]}"
        counts.setdefault(base, 0)
        counts.setdefault(anchor, 0)
        anchors.append(anchor)
    return anchors
