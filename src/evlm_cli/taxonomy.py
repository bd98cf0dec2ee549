"""Changing the taxonomy: add, rename, move and remove sections. Pure functions from a survey to a new survey, each
raising EvlmError (with a hint) for a change that would break the database; `evlm section ...` runs them as one
write each."""

from __future__ import annotations

from dataclasses import replace

from evlm_cli.errors import EvlmError
from evlm_cli.model import Section, Survey
from evlm_cli.text import quoted, slugify


def add(
    survey: Survey,
    section_id: str,
    title: str,
    *,
    parent: str | None = None,
    before: str | None = None,
    after: str | None = None,
) -> Survey:
    """A new, empty section: under `parent` (at the top level without one), last among its siblings unless placed
    `before` or `after` one of them."""
    section_id = section_id or slugify(title)
    if survey.has_section(section_id):
        raise EvlmError(f"section {quoted(section_id)} already exists", hint="choose another id")
    if parent is not None:
        survey.section(parent)
    new = Section(id=section_id, title=title, parent=parent)
    return _place(survey, list(survey.sections), [new], parent, before, after)


def rename(survey: Survey, section_id: str, *, title: str | None = None, new_id: str | None = None) -> Survey:
    """A section with a new title and/or id; papers and subsections follow a new id."""
    section = survey.section(section_id)
    target = new_id or section_id
    if new_id and new_id != section_id and survey.has_section(new_id):
        raise EvlmError(f"section {quoted(new_id)} already exists", hint="choose another id")
    sections = [
        replace(s, id=target, title=title or s.title)
        if s.id == section_id
        else replace(s, parent=target)
        if s.parent == section_id
        else s
        for s in survey.sections
    ]
    papers = [
        replace(
            p,
            section=target if p.section == section_id else p.section,
            also_in=tuple(target if s == section_id else s for s in p.also_in),
        )
        for p in survey.papers
    ]
    del section
    return replace(survey, sections=tuple(sections), papers=tuple(papers))


def move(
    survey: Survey, section_id: str, *, parent: str | None = None, before: str | None = None, after: str | None = None
) -> Survey:
    """The section, with its subsections, under another parent or at another place among its siblings."""
    section = survey.section(section_id)
    subtree = survey.subtree(section_id)
    if parent is not None and parent in subtree:
        raise EvlmError(f"cannot move {quoted(section_id)} into itself", hint="choose a parent outside it")
    if parent is not None:
        survey.section(parent)
    moving = [replace(section, parent=parent)] + [s for s in survey.sections if s.id in subtree and s.id != section_id]
    rest = [s for s in survey.sections if s.id not in subtree]
    return _place(survey, rest, moving, parent, before, after)


def remove(survey: Survey, section_id: str, *, to: str | None = None) -> Survey:
    """The survey without the section; one holding papers or subsections is refused unless `to` takes them."""
    section = survey.section(section_id)
    papers = [p for p in survey.papers if p.section == section_id]
    children = survey.children(section_id)
    if (papers or children) and to is None:
        what = f"{len(papers)} paper(s)" if papers else f"{len(children)} subsection(s)"
        raise EvlmError(
            f"section {quoted(section_id)} holds {what}",
            hint=f"move them with --to OTHER_SECTION, or remove them first (`evlm list --section {section_id}`)",
        )
    if to is not None:
        if to == section_id or to in survey.subtree(section_id):
            raise EvlmError("--to must name a section outside the one removed")
        survey.section(to)
    sections = tuple(
        replace(s, parent=to if s.parent == section_id else s.parent) for s in survey.sections if s.id != section_id
    )
    moved = tuple(
        replace(
            p,
            section=to if p.section == section_id and to else p.section,
            also_in=tuple(s for s in p.also_in if s != section_id),
        )
        for p in survey.papers
    )
    del section
    return _reorder(replace(survey, sections=sections, papers=moved))


def _place(
    survey: Survey,
    sections: list[Section],
    new: list[Section],
    parent: str | None,
    before: str | None,
    after: str | None,
) -> Survey:
    if before and after:
        raise EvlmError("give --before or --after, not both")
    anchor = before or after
    ids = [s.id for s in sections]
    if anchor is not None:
        if anchor not in ids:
            survey.section(anchor)
            raise EvlmError(f"cannot place a section next to {quoted(anchor)}, which is being moved")
        if next(s for s in sections if s.id == anchor).parent != parent:
            raise EvlmError(
                f"section {quoted(anchor)} is not a sibling",
                hint="--before/--after name a section under the same parent",
            )
        position = ids.index(anchor)
        if after:
            position = _subtree_end(sections, position)
    elif parent is None:
        position = len(sections)
    else:
        position = _subtree_end(sections, ids.index(parent))
    placed = sections[:position] + new + sections[position:]
    return _reorder(replace(survey, sections=tuple(placed)))


def _subtree_end(sections: list[Section], index: int) -> int:
    """The position just after the section at `index` and all sections below it."""
    inside = {sections[index].id}
    end = index + 1
    while end < len(sections) and sections[end].parent in inside:
        inside.add(sections[end].id)
        end += 1
    return end


def _reorder(survey: Survey) -> Survey:
    """Sections in reading order (parents before children, each subtree together), whatever the edits did."""
    by_parent: dict[str | None, list[Section]] = {}
    for section in survey.sections:
        by_parent.setdefault(section.parent, []).append(section)
    ordered: list[Section] = []

    def visit(parent: str | None) -> None:
        for section in by_parent.get(parent, []):
            ordered.append(section)
            visit(section.id)

    visit(None)
    return replace(survey, sections=tuple(ordered))
