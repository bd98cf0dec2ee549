"""Cut a Markdown page into blocks: headings, list entries (with wrapped lines and nested entries), table rows, and
everything else, verbatim. Code fences and HTML comments are never read as entries or headings."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from evlm_cli.markdown import HEADING

_BULLET = re.compile(r"^(?P<indent>[ \t]*)(?:[-*+]|\d{1,3}[.)])[ \t]+(?P<body>.*?)\s*$")
_TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")


@dataclass
class Block:
    """A run of lines of one kind; `raw` is the lines as written, `text` the entry's or heading's text."""

    kind: str
    """'heading', 'entry' (a list item), 'table-head' (a table's first two lines), 'row' (a later row) or 'other'."""
    line: int
    """The 1-based line number of the first line."""
    raw: str
    text: str = ""
    level: int = 0
    """A heading's level; a list item's indentation."""
    children: list[Block] = field(default_factory=list)


def scan(lines: list[str]) -> list[Block]:
    """The page's top-level blocks in order; nested list items are the children of the item above them."""
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            end = _fence_end(lines, index)
            blocks.append(Block("other", index + 1, "\n".join(lines[index:end])))
            index = end
            continue
        if stripped.startswith("<!--") and "-->" not in stripped:
            end = next((j + 1 for j in range(index + 1, len(lines)) if "-->" in lines[j]), len(lines))
            blocks.append(Block("other", index + 1, "\n".join(lines[index:end])))
            index = end
            continue
        heading = HEADING.match(line)
        if heading:
            text = heading.group("text")
            blocks.append(Block("heading", index + 1, line, text, len(heading.group("hashes"))))
            index += 1
            continue
        if stripped.startswith("|") and index + 1 < len(lines) and _TABLE_SEPARATOR.match(lines[index + 1]):
            blocks.append(Block("table-head", index + 1, "\n".join(lines[index : index + 2])))
            index += 2
            while index < len(lines) and lines[index].strip().startswith("|"):
                blocks.append(Block("row", index + 1, lines[index], lines[index].strip()))
                index += 1
            continue
        bullet = _BULLET.match(line)
        if bullet and bullet.group("body"):
            entry, index = _entry(lines, index)
            _nest(blocks, entry)
            continue
        blocks.append(Block("other", index + 1, line))
        index += 1
    return blocks


def full_raw(block: Block) -> str:
    """A block's lines with those of its nested entries."""
    return "\n".join([block.raw, *(full_raw(child) for child in block.children)])


def _fence_end(lines: list[str], start: int) -> int:
    marker = lines[start].strip()[:3]
    for j in range(start + 1, len(lines)):
        if lines[j].strip().startswith(marker):
            return j + 1
    return len(lines)


def _entry(lines: list[str], index: int) -> tuple[Block, int]:
    """One list item with its wrapped lines: lines indented under it, or lines that close a bracket it opened."""
    bullet = _BULLET.match(lines[index])
    assert bullet is not None
    indent = len(bullet.group("indent").expandtabs(4))
    parts = [bullet.group("body")]
    end = index + 1
    while end < len(lines):
        following = lines[end]
        if not following.strip() or HEADING.match(following) or _BULLET.match(following):
            break
        if following.strip().startswith(("|", "<!--", "```", ">")):
            break
        open_bracket = " ".join(parts).count("[") > " ".join(parts).count("]")
        deeper = len(following) - len(following.lstrip()) > indent
        if not (open_bracket or deeper):
            break
        parts.append(following.strip())
        end += 1
    raw = "\n".join(lines[index:end])
    return Block("entry", index + 1, raw, " ".join(parts), indent), end


def _nest(blocks: list[Block], entry: Block) -> None:
    """Put an entry under the last entry above it that is less indented (blank lines between are allowed)."""
    for previous in reversed(blocks):
        if previous.kind == "other" and not previous.raw.strip():
            continue
        if previous.kind != "entry":
            break
        parent = previous
        while parent.children and parent.children[-1].level < entry.level:
            parent = parent.children[-1]
        if parent.level < entry.level:
            parent.children.append(entry)
            return
        break
    blocks.append(entry)
