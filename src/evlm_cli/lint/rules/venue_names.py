"""Venue names: aliases of the same venue, canonical spellings, and names that are no venue (publishers)."""

from __future__ import annotations

import re

from evlm_cli.text import ascii_fold

VENUE_ALIASES = {
    "nips": "neurips",
    "neuralinformationprocessingsystems": "neurips",
    "advancesinneuralinformationprocessingsystems": "neurips",
    "internationalconferenceonlearningrepresentations": "iclr",
    "internationalconferenceonmachinelearning": "icml",
    "computervisionandpatternrecognition": "cvpr",
    "ieeecvfconferenceoncomputervisionandpatternrecognition": "cvpr",
    "internationalconferenceoncomputervision": "iccv",
    "europeanconferenceoncomputervision": "eccv",
    "arxivpreprint": "arxiv",
    "corr": "arxiv",
    "acmmultimedia": "acmmm",
    "mm": "acmmm",
}
CANONICAL_VENUES = {"neurips": "NeurIPS", "iclr": "ICLR", "icml": "ICML", "cvpr": "CVPR", "arxiv": "arXiv"}
NOT_VENUES = {
    "ieee": "IEEE is a publisher",
    "ieeecvf": "IEEE/CVF publishes several conferences",
    "cvf": "the CVF publishes several conferences",
    "acm": "ACM is a publisher",
    "springer": "Springer is a publisher",
    "elsevier": "Elsevier is a publisher",
    "openreview": "OpenReview hosts many venues",
    "ieeexplore": "IEEE Xplore is a library",
    "proceedings": "'proceedings' names no venue",
    "conference": "'conference' names no venue",
    "journal": "'journal' names no venue",
}


def venue_key(venue: str) -> str:
    """The comparable form of a venue: letters only (digits of a year dropped), lower case, aliases resolved."""
    key = "".join(re.findall(r"[a-z]+", ascii_fold(venue).lower()))
    return VENUE_ALIASES.get(key, key)
