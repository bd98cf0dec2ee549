"""What `evlm add` does before it writes: read the ids, refuse those the survey already has, fetch the rest.

Returns data, never prints: the CLI reports each failure on its own line. With no network at all this raises
`net.NoNetworkError` once, instead of failing every id in turn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from evlm_cli import dedupe, ids
from evlm_cli.errors import SourceError
from evlm_cli.model import Paper, Survey

if TYPE_CHECKING:
    import httpx

    from evlm_cli.sources import Identifier, Metadata


@dataclass(frozen=True, slots=True)
class Fetched:
    """The outcome of fetching the ids of one `add`, each kept with the text it was typed as, in the order given."""

    found: tuple[tuple[str, Metadata], ...]
    failures: tuple[tuple[str, SourceError], ...]
    """Ids that are not ids, that the survey already has, or that the source does not know or could not give."""


def fetch(texts: Sequence[str], survey: Survey | None, *, client: httpx.Client | None = None) -> Fetched:
    """Metadata for each id that resolves, and the error of each that does not.

    Ids whose arXiv id or DOI `survey` already has are refused without asking the network (None: no check). All
    arXiv ids go in one request, DOIs one at a time. `client` defaults to `_http.make_client()` (closed after)."""
    from evlm_cli.sources import parse_identifier

    parsed: list[tuple[str, Identifier | SourceError]] = []
    for text in texts:
        try:
            identifier = parse_identifier(text)
            refusal = already_there(survey, identifier) if survey is not None else None
            parsed.append((text, refusal or identifier))
        except SourceError as error:
            parsed.append((text, error))
    wanted = [i for _, i in parsed if not isinstance(i, SourceError)]
    answers = _ask(wanted, client) if wanted else {}
    found: list[tuple[str, Metadata]] = []
    failures: list[tuple[str, SourceError]] = []
    for text, parsed_id in parsed:
        answer = parsed_id if isinstance(parsed_id, SourceError) else answers[parsed_id.value]
        if isinstance(answer, SourceError):
            failures.append((text, answer))
        else:
            found.append((text, answer))
    return Fetched(tuple(found), tuple(failures))


def _ask(wanted: list[Identifier], client: httpx.Client | None) -> dict[str, Metadata | SourceError]:
    from evlm_cli.sources import arxiv, crossref
    from evlm_cli.sources._http import make_client

    if client is None:
        with make_client() as made:
            return _ask(wanted, made)
    answers: dict[str, Metadata | SourceError] = {}
    arxiv_ids = [i.value for i in wanted if i.kind == "arxiv"]
    if arxiv_ids:
        answers.update(arxiv.fetch_many(arxiv_ids, client))
    for identifier in wanted:
        if identifier.kind == "doi" and identifier.value not in answers:
            try:
                answers[identifier.value] = crossref.fetch(identifier.value, client)
            except SourceError as error:
                answers[identifier.value] = error
    return answers


def already_there(survey: Survey, identifier: Identifier) -> SourceError | None:
    """A refusal when the survey has a paper with this arXiv id (any version) or DOI (`dedupe`'s rule)."""
    arxiv = ids.parse_arxiv_id(identifier.value) if identifier.kind == "arxiv" else None
    probe = Paper(
        key="", title="", section="", arxiv=arxiv.id if arxiv else None, doi=identifier.value if not arxiv else None
    )
    hit = dedupe.find(survey.papers, probe)
    if hit is None:
        return None
    existing, reason = hit
    return SourceError(f"already in the survey as {existing.key!r} ({reason})", hint="--force adds it anyway")
