"""`evlm check` stays quiet where real lists are right: cross-listing, shared framework repositories, weak section-fit
evidence; and it flags titles with leftover markup (issue 12's measured rules, docs/check.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import Cli
from lintutil import findings, keys, paper, write_db


def check(cli: Cli, path: Path) -> str:
    return cli("--db", str(path), "check", "--json").stdout


def test_cross_listed_papers_are_not_duplicates(cli: Cli, tmp_path: Path) -> None:
    """One paper entered in two sections (as lists cross-list) is not `duplicate-paper`; twice in one section is."""
    link = [{"label": "Paper", "url": "https://arxiv.org/abs/2305.14314"}]
    title = "QLoRA: Efficient Finetuning of Quantized LLMs"
    path = write_db(
        tmp_path,
        [
            paper("a2023", title, "quantization", links=link),
            paper("b2023", title, "pruning", links=link),
            paper("c2023", "Other Paper Title Here", "pruning", also_in=["quantization"]),
        ],
    )
    assert findings(check(cli, path), "duplicate-paper") == []
    same = write_db(
        tmp_path, [paper("a2023", title, "pruning", links=link), paper("b2023", title, "pruning", links=link)]
    )
    assert keys(check(cli, same), "duplicate-paper") == {"a2023", "b2023"}


def test_shared_framework_repository_is_fine(cli: Cli, tmp_path: Path) -> None:
    """DeepSpeed as the Code of two ZeroQuant papers is not `shared-url`; one Paper link on both still is."""
    code = {"label": "Code", "url": "https://github.com/microsoft/DeepSpeed"}
    path = write_db(
        tmp_path,
        [
            paper("a2023", "ZeroQuant-FP: A Leap Forward", links=[{"label": "Paper", "url": "https://a.org/1"}, code]),
            paper("b2023", "ZeroQuant-V2: Exploring PTQ", links=[{"label": "Paper", "url": "https://a.org/2"}, code]),
            paper("c2023", "OmniQuant: Calibrated Quantization", links=[{"label": "Paper", "url": "https://a.org/3"}]),
            paper("d2023", "RPTQ: Rotation and Permutation", links=[{"label": "Paper", "url": "https://a.org/3"}]),
        ],
    )
    assert keys(check(cli, path), "shared-url") == {"c2023", "d2023"}


@pytest.mark.parametrize(
    "title",
    [
        "Mixtral of Experts, 2024</ins>",
        "Mixtral of Experts <ins>",
        "[[Mixtral of Experts]]",
        "**Mixtral** of Experts",
        "[2024] Mixtral of Experts",
        "Mixtral of Experts ![stars](https://img.shields.io/github/stars/x/y)",
    ],
)
def test_title_markup_is_flagged(cli: Cli, tmp_path: Path, title: str) -> None:
    """A title holding an `<ins>` tag, Markdown, a date or a badge is `title-markup`; a clean one is not."""
    path = write_db(tmp_path, [paper("a2024", title), paper("b2024", "Llama 2: Open Foundation Models, Version 2")])
    out = check(cli, path)
    assert keys(out, "title-markup") == {"a2024"}


def test_section_fit_quiet_on_a_weak_margin(cli: Cli, tmp_path: Path) -> None:
    """A title that shares no word with its heading, or fits another section only a little better, is not reported
    (on real lists such findings were all wrong)."""
    url = "https://example.org/"
    rows = [
        ("q1", "Post-Training Quantization of Transformers", "quantization"),
        ("q2", "Low-Bit Quantization for Vision Transformers", "quantization"),
        ("p1", "Structured Pruning of Attention Heads", "pruning"),
        ("p2", "Unstructured Pruning with Sparse Masks", "pruning"),
        ("x1", "Scaling Training to Ten Thousand GPUs Cluster", "pruning"),
        ("x2", "Sparse Transformers with Quantized Attention Heads", "pruning"),
    ]
    path = write_db(tmp_path, [paper(k, t, s, links=[{"label": "Paper", "url": url + k}]) for k, t, s in rows])
    assert findings(check(cli, path), "section-fit") == []
