"""`evlm check` and `evlm add` agree: the same ids make the same paper, and one model ranks the sections."""

from __future__ import annotations

from pathlib import Path

from conftest import Cli
from evlm_cli import db, dedupe
from evlm_cli.suggest import suggest_section
from lintutil import findings, keys, paper, write_db


def check(cli: Cli, path: Path) -> str:
    """`evlm --db PATH check --json`, its stdout."""
    return cli("--db", str(path), "check", "--json", "--ignore", "stale-output").stdout


def test_ids_from_links_and_doi_case(cli: Cli, tmp_path: Path) -> None:
    """An arXiv id given only by a link, and a DOI in another case, are the same id for check as for add."""
    path = write_db(
        tmp_path,
        [
            paper("a2024", "Modality-Balanced Quantization", arxiv="2412.19509"),
            paper("b2024", "Sparse Masks", links=[{"label": "Paper", "url": "https://arxiv.org/abs/2412.19509v2"}]),
            paper("c2024", "Token Merging", doi="10.1145/3664647.ABC"),
            paper("d2024", "Layer Dropping", doi="10.1145/3664647.abc"),
        ],
    )
    out = check(cli, path)
    assert keys(out, "conflicting-id") == {"a2024", "b2024", "c2024", "d2024"}
    survey = db.load(path)
    assert dedupe.why_duplicate(survey.paper("a2024"), survey.paper("b2024")) == "same arXiv id 2412.19509"
    assert dedupe.why_duplicate(survey.paper("c2024"), survey.paper("d2024")) == "same DOI 10.1145/3664647.abc"


def test_add_suggests_the_section_check_recommends(cli: Cli, tmp_path: Path) -> None:
    """The section `add` suggests for a misfiled paper's title is the one `section-fit` tells it to move to."""
    titles = [
        ("q1", "Post-Training Quantization of Transformers", "quantization"),
        ("q2", "Low-Bit Quantization for Vision Transformers", "quantization"),
        ("p1", "Structured Pruning of Attention Heads", "pruning"),
        ("p2", "Unstructured Pruning with Sparse Masks", "pruning"),
        ("d1", "Knowledge Distillation from Large Teachers", "distillation"),
        ("x1", "Calibrated Low-Bit Quantization of Transformers", "pruning"),
    ]
    link = [{"label": "Paper", "url": "https://example.org/"}]
    path = write_db(tmp_path, [paper(k, t, s, links=link) for k, t, s in titles])
    [fit] = findings(check(cli, path), "section-fit")
    assert fit["key"] == "x1"
    survey = db.load(path)
    ranked = suggest_section(survey, survey.paper("x1").title, exclude="x1")
    assert ranked[0][0] == "quantization"
    assert f"section = {ranked[0][0]!r}" in fit["hint"]
