"""A survey's own paper line: `[survey] paper_line`, a Jinja2 template the README renders once per paper.

A list imported from another awesome list keeps its look (`- [Title](url) - description`, author-first citations,
a table) instead of being rewritten in evlm's own line. The template runs in Jinja2's sandbox, and every value it
prints is escaped on the way out as `render.readme.paper_line` escapes (`markdown.escape_text`; URLs with
`escape_url`), so a title can never become HTML or a link, whatever the template does with it. The variables are
`VARIABLES`; evlm adds the filters `names` and `cell` to Jinja2's (docs/database.md has them all).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from evlm_cli.errors import EvlmError
from evlm_cli.markdown import escape_text, escape_url
from evlm_cli.model import Paper
from evlm_cli.render.names import is_et_al, literal, people
from evlm_cli.render.venues import paper_url
from evlm_cli.text import closest

if TYPE_CHECKING:
    import jinja2

WHERE = "[survey] paper_line"
HINT = (
    "fix the Jinja2 template (docs/database.md, 'Paper line'; evlm adds the filters names and cell), or remove "
    "paper_line to use evlm's own line"
)

_FIELDS = (
    "key",
    "title",
    "section",
    "type",
    "year",
    "month",
    "venue",
    "container",
    "volume",
    "number",
    "pages",
    "edition",
    "series",
    "publisher",
    "address",
    "school",
    "institution",
    "organization",
    "howpublished",
    "isbn",
    "issn",
    "crossref",
    "bib_note",
    "arxiv",
    "arxiv_version",
    "arxiv_category",
    "doi",
    "journal_ref",
    "abstract",
    "tags",
    "note",
    "added",
    "also_in",
    "aliases",
)
"""Paper fields given to the template as they are stored (lists as lists, a missing value as none)."""

VARIABLES = {
    **dict.fromkeys(_FIELDS, "the paper's field of that name (docs/database.md)"),
    "authors": "the authors as readable names (`Donald E. Knuth`), without a final `others`",
    "editors": "the editors, as `authors`",
    "et_al": "true when the stored author list ends in `others` (et al.)",
    "authors_text": "the authors as one text: `A`, `A and B`, `A, B and C`, `A et al.` (the `names` filter's default)",
    "url": "the page to open: the Paper link, else the arXiv abstract, else the DOI (none without any)",
    "links": "every link, in order, each with `label` and `url`",
    "link": "the links by label, any case (`link.Code`, `link['Web demo']`); none for a label the paper lacks",
    "other_links": "`links` without the Paper link that `url` is",
    "position": "1 for the first paper of its section, 2 for the next, ... (numbered lists, a table's header row)",
}
"""What a template can use, with what each holds."""


class _Url(str):
    """A URL the template prints: escaped as a URL (`escape_url`, plus `<` and `>`), not as text."""

    __slots__ = ()


class _Escaped(str):
    """Text a filter has escaped already, printed as it is."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class LinkView:
    """A link as the template sees it."""

    label: str
    url: _Url


_LINK_TYPE = f"{LinkView.__module__}.{LinkView.__qualname__} object"
"""How Jinja2 names a link in its messages; `link` is what the template calls it."""


class _Links(dict[str, _Url]):
    """`link.Code`: the first link of a label (keys in lower case, looked up in any case); none for a label the paper
    has not."""

    def __missing__(self, label: str) -> _Url | None:
        return self.get(label.lower()) if label != label.lower() else None


class _Names(list[str]):
    """Authors as readable names, remembering whether the stored list ended in `others`."""

    et_al = False


def _escape_url(url: str) -> str:
    return escape_url(url).replace("<", "%3C").replace(">", "%3E")


_LINE_BREAK = re.compile(r"\s*\n\s*")


def _finalize(value: object) -> str:
    """Every `{{ ... }}` goes through this: user text escaped, URLs escaped as URLs, none as nothing."""
    if value is None:
        return ""
    if isinstance(value, _Escaped):
        return value
    if isinstance(value, _Url):
        return _escape_url(value)
    if isinstance(value, list | tuple):
        value = ", ".join(str(item) for item in value)
    elif isinstance(value, dt.date):
        value = value.isoformat()
    return escape_text(_LINE_BREAK.sub(" ", str(value)))


def join_names(
    names: Iterable[str], sep: str = ", ", last: str = " and ", pair: str | None = None, etal: str = " et al."
) -> str:
    """`A, B and C`; `pair` joins exactly two names (default: `last`); `etal` follows a list that ended in `others`."""
    items = [str(name) for name in names]
    if getattr(names, "et_al", False) and items:
        return sep.join(items) + etal
    if len(items) == 2:
        return items[0] + (last if pair is None else pair) + items[1]
    if len(items) > 2:
        return sep.join(items[:-1]) + last + items[-1]
    return "".join(items)


def _names_filter(
    names: Iterable[str], sep: str = ", ", last: str = " and ", pair: str | None = None, etal: str = " et al."
) -> _Escaped:
    """`names` in templates: the names and the separators are escaped (a separator could be a value too)."""
    escaped = _Names(escape_text(str(name)) for name in names)
    escaped.et_al = getattr(names, "et_al", False)
    sep, last, etal = (escape_text(str(arg)) for arg in (sep, last, etal))
    return _Escaped(join_names(escaped, sep, last, None if pair is None else escape_text(str(pair)), etal))


def _cell(value: object) -> _Escaped:
    return _Escaped(_finalize(value).replace("|", "\\|"))


def _readable(names: tuple[str, ...]) -> _Names:
    readable = _Names(literal(parts) for parts in people(names))
    readable.et_al = bool(names) and is_et_al(names[-1])
    return readable


def _links_of(paper: Paper) -> list[LinkView]:
    return [LinkView(link.label, _Url(link.url)) for link in paper.links]


def _by_label(paper: Paper) -> _Links:
    by_label = _Links()
    for link in paper.links:
        by_label.setdefault(link.label.lower(), _Url(link.url))
    return by_label


def _url(paper: Paper) -> _Url | None:
    url = paper_url(paper)
    return _Url(url) if url else None


def _other_links(paper: Paper) -> list[LinkView]:
    paper_link = paper.paper_url
    return [link for link in _links_of(paper) if not (paper_link and link.url == paper_link)]


_DERIVED: dict[str, Callable[[Paper], Any]] = {
    "authors": lambda paper: _readable(paper.authors),
    "editors": lambda paper: _readable(paper.editors),
    "et_al": lambda paper: _readable(paper.authors).et_al,
    "authors_text": lambda paper: _names_filter(_readable(paper.authors)),
    "url": _url,
    "links": _links_of,
    "link": _by_label,
    "other_links": _other_links,
}


def context(paper: Paper, position: int, names: Iterable[str] = VARIABLES) -> dict[str, Any]:
    """What a template sees of a paper at a position in its section: the `VARIABLES` among `names`."""
    data: dict[str, Any] = {}
    for name in names:
        if name in _DERIVED:
            data[name] = _DERIVED[name](paper)
        elif name == "position":
            data[name] = position
        elif name in VARIABLES:
            value = getattr(paper, name)
            data[name] = list(value) if isinstance(value, tuple) else value
    return data


@functools.cache
def _environment() -> jinja2.Environment:
    import jinja2
    from jinja2.exceptions import SecurityError
    from jinja2.sandbox import SandboxedEnvironment

    class Sandbox(SandboxedEnvironment):
        """Jinja2's sandbox, with `**` and `*` kept from building huge values (a database comes in pull requests:
        `{{ 9 ** (9 ** 9) }}` would otherwise hang the build, even at compile time)."""

        intercepted_binops = frozenset({"**", "*"})

        def call_binop(self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any) -> Any:
            if _too_large(operator, left, right):
                raise SecurityError(f"{operator} gives a value too large for a paper line")
            return super().call_binop(context, operator, left, right)

    environment = Sandbox(
        finalize=_finalize, undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=False
    )
    environment.filters.update({"names": _names_filter, "cell": _cell})
    return environment


_MAX_POWER = 64
_MAX_LENGTH = 100_000
_MAX_BITS = 4096


def _too_large(operator: str, left: object, right: object) -> bool:
    """Whether `left ** right` or `left * right` would build a huge number, string or list."""
    if operator == "**":
        return isinstance(right, int | float) and abs(right) > _MAX_POWER
    sequence = next((v for v in (left, right) if isinstance(v, str | list | tuple)), None)
    count = right if sequence is left else left
    if sequence is not None:
        return isinstance(count, int) and len(sequence) * count > _MAX_LENGTH
    return isinstance(left, int) and isinstance(right, int) and left.bit_length() + right.bit_length() > _MAX_BITS


class LineTemplate:
    """A compiled `paper_line`; call it with a paper and its position in its section for the paper's line(s)."""

    def __init__(self, template: jinja2.Template, names: frozenset[str]) -> None:
        self._template = template
        self.names = names
        """The variables the template uses: only these are worked out for each paper."""

    def __call__(self, paper: Paper, position: int) -> str:
        return self.render(context(paper, position, self.names), paper.key)

    def render(self, values: dict[str, Any], key: str) -> str:
        """The line for a paper's `context` (worth keeping when one paper goes through many templates)."""
        import jinja2

        try:
            line = self._template.render(values)
        except (
            jinja2.TemplateError,
            TypeError,
            ValueError,
            ArithmeticError,
            LookupError,
            AttributeError,
            RecursionError,
        ) as error:
            message = _LINE_BREAK.sub(" ", str(error) or type(error).__name__).replace(_LINK_TYPE, "link")
            raise EvlmError(f"fails for paper {key!r}: {message}", where=WHERE, hint=HINT) from None
        if not line.strip():
            raise EvlmError(f"gives an empty line for paper {key!r}", where=WHERE, hint=HINT)
        return line


@functools.lru_cache(maxsize=128)
def compile_line(source: str) -> LineTemplate:
    """The compiled `paper_line` template; EvlmError naming the field when it is broken."""
    import jinja2
    from jinja2 import meta

    environment = _environment()
    try:
        parsed = environment.parse(source)
        template = environment.from_string(parsed)
    except RecursionError:
        raise EvlmError("the template is nested too deeply", where=WHERE, hint=HINT) from None
    except jinja2.TemplateSyntaxError as error:
        line = f" (its line {error.lineno})" if "\n" in source else ""
        kind = "" if isinstance(error, jinja2.TemplateAssertionError) else "Jinja2 syntax error: "
        message = (error.message or "").rstrip(".")
        raise EvlmError(f"{kind}{message}{line}", where=WHERE, hint=HINT) from None
    used = meta.find_undeclared_variables(parsed)
    unknown = sorted(used - set(VARIABLES))
    if unknown:
        suggestion = closest(unknown[0], sorted(VARIABLES), n=1)
        hint = f"did you mean {suggestion[0]!r}? " if suggestion else ""
        raise EvlmError(
            f"unknown variable {unknown[0]!r}", where=WHERE, hint=hint + "docs/database.md lists the variables"
        )
    return LineTemplate(template, frozenset(used))


def render_line(source: str, paper: Paper, position: int = 1) -> str:
    """One paper through a `paper_line` template."""
    return compile_line(source)(paper, position)
