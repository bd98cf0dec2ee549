"""Parsing and normalising paper identifiers: arXiv ids (new and old style, with versions), DOIs, URLs."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import SplitResult, unquote, urlsplit

# New style (since 2007-04): YYMM.NNNN (to 2014) or YYMM.NNNNN; old style: archive(.SUBJ)/YYMMNNN.
_ARXIV_NEW = r"(?P<new>(?P<yy>\d{2})(?P<mm>0[1-9]|1[0-2])\.\d{4,5})"
_ARXIV_OLD = r"(?P<old>[a-z]+(?:-[a-z]+)?(?:\.[A-Z]{2})?/(?P<oyy>\d{2})(?:0[1-9]|1[0-2])\d{3})"
_ARXIV_ID = re.compile(rf"^(?:arxiv:)?(?:{_ARXIV_NEW}|{_ARXIV_OLD})(?:v(?P<version>[1-9]\d*))?$", re.IGNORECASE)
_ARXIV_HOSTS = {"arxiv.org", "www.arxiv.org", "export.arxiv.org"}
_DOI = re.compile(r"^10\.\d{4,9}/[^\s\x00-\x1f\x7f-\x9f]+$")  # no space, no control character
_DOI_HOSTS = {"doi.org", "dx.doi.org", "www.doi.org"}
# Publisher pages whose path carries the DOI: /doi/10.xxxx/..., /doi/abs/10.xxxx/..., /doi/pdf/...
_DOI_IN_PATH = re.compile(r"/doi/(?:abs/|full/|pdf/|epdf/)?(10\.\d{4,9}/[^?#\s]+)")


@dataclass(frozen=True, slots=True)
class ArxivId:
    """An arXiv identifier without its version, and the version if one was given."""

    id: str
    """`2412.19509` or `cs/0112017`."""
    version: int | None = None

    @property
    def year(self) -> int:
        """The year the id was assigned, from its YYMM prefix."""
        yy = int(self.id.split("/")[-1][:2])
        return 1900 + yy if yy >= 91 else 2000 + yy

    def __str__(self) -> str:
        return f"{self.id}v{self.version}" if self.version else self.id


def parse_arxiv_id(text: str) -> ArxivId | None:
    """Parse a bare arXiv id (`2412.19509`, `2412.19509v2`, `arXiv:cs/0112017`), or None."""
    match = _ARXIV_ID.match(text.strip())
    if not match:
        return None
    if match.group("new"):
        base = match.group("new")
    else:
        archive, number = match.group("old").split("/")
        name, _, subject = archive.partition(".")
        base = f"{name.lower()}.{subject.upper()}/{number}" if subject else f"{name.lower()}/{number}"
    version = match.group("version")
    return ArxivId(base, int(version) if version else None)


def split_url(url: str) -> SplitResult | None:
    """`urlsplit(url)`, or None for text it refuses (a `[` or `]` in the host, a host that is not one under NFKC
    normalisation, a port that is not a number): every URL evlm reads goes through here, so none can raise."""
    try:
        parts = urlsplit(url)
        if ":" in parts.netloc:
            parts.port  # noqa: B018 - validates the port, which urlsplit leaves for later
    except ValueError:
        return None
    return parts


def arxiv_from_url(url: str) -> ArxivId | None:
    """The arXiv id in an arXiv abs, pdf or html URL, or None."""
    parts = split_url(url.strip())
    if parts is None or parts.hostname not in _ARXIV_HOSTS:
        return None
    path = unquote(parts.path)
    for prefix in ("/abs/", "/pdf/", "/html/", "/format/"):
        if path.startswith(prefix):
            rest = path[len(prefix) :].rstrip("/")
            rest = rest.removesuffix(".pdf")
            return parse_arxiv_id(rest)
    return None


def parse_doi(text: str) -> str | None:
    """Parse a DOI (`10.1145/3664647.3680838`, `doi:10...`), normalised to lower case, or None."""
    text = text.strip()
    if text.lower().startswith("doi:"):
        text = text[4:].strip()
    if _DOI.match(text):
        return text.lower()
    return None


def doi_from_url(url: str) -> str | None:
    """The DOI in a doi.org URL or in a publisher URL of the form `.../doi/10.xxxx/...`, or None."""
    parts = split_url(url.strip())
    if parts is None:
        return None
    path = unquote(parts.path)
    if parts.hostname in _DOI_HOSTS:
        return parse_doi(path.lstrip("/"))
    match = _DOI_IN_PATH.search(path)
    return parse_doi(match.group(1)) if match else None


@dataclass(frozen=True, slots=True)
class LinkIds:
    """The identifiers a paper's links give: the first arXiv id and the first DOI among them."""

    arxiv: ArxivId | None = None
    doi: str | None = None


def ids_from_links(urls: Iterable[str]) -> LinkIds:
    """The first arXiv id and the first DOI found in these URLs: how `import`, `add` and `edit` derive a paper's
    `arxiv`, `arxiv_version` and `doi` fields from its links."""
    arxiv: ArxivId | None = None
    doi: str | None = None
    for url in urls:
        arxiv = arxiv or arxiv_from_url(url)
        doi = doi or doi_from_url(url)
    return LinkIds(arxiv, doi)


_NOT_IN_URL = re.compile(r"[\s\x00-\x1f\x7f-\x9f]")


def is_valid_url(url: str) -> bool:
    """True for an absolute http(s) URL with a host (well-formed, port included) and no white space or control
    character."""
    if _NOT_IN_URL.search(url):
        return False
    parts = split_url(url)
    if parts is None or parts.scheme not in ("http", "https"):
        return False
    netloc = parts.netloc  # usually the host alone, which then needs no further parsing (fast on a big survey)
    return bool(parts.hostname) if "@" in netloc or ":" in netloc else bool(netloc)


def arxiv_abs_url(arxiv: ArxivId | str) -> str:
    """The canonical abstract page of an arXiv id."""
    return f"https://arxiv.org/abs/{arxiv}"
