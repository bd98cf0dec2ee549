"""Markdown details shared by the README importer and renderer: links, headings, emoji, GitHub anchors."""

from __future__ import annotations

import re
import unicodedata

# `[label](url)`, allowing one level of brackets in the label and of parentheses in the URL.
LINK = re.compile(r"\[(?P<label>(?:[^\[\]]|\[[^\[\]]*\])*)\]\((?P<url>(?:[^()\s]|\([^()\s]*\))+)\)")
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
