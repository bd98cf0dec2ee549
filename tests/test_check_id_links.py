"""The `id-link-mismatch` rule of `evlm check`: an `arxiv` or `doi` field that the paper's links contradict."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import Cli
from lintutil import findings, keys, paper, write_db


class TestRule:
    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            (
                {"arxiv": "2412.19509", "links": [{"label": "Paper", "url": "https://arxiv.org/abs/2401.00001"}]},
                "arxiv",
            ),
            ({"doi": "10.1145/1.2", "links": [{"label": "Paper", "url": "https://doi.org/10.1145/1.3"}]}, "doi"),
        ],
    )
    def test_field_disagrees_with_links(self, cli: Cli, tmp_path: Path, fields: dict[str, Any], field: str) -> None:
        """An arxiv or doi field that none of the paper's links gives is flagged."""
        path = write_db(tmp_path, [paper("a2024", "Token Pruning for Vision Transformers", **fields)])
        out = cli("--db", str(path), "check", "--json", "--ignore", "stale-output").stdout
        assert [f["field"] for f in findings(out, "id-link-mismatch")] == [field]

    def test_agreeing_or_unlinked_ids_are_fine(self, cli: Cli, tmp_path: Path) -> None:
        """An id its link gives (any version, any DOI case), or an id without such a link, is not flagged."""
        arxiv_link = [{"label": "Paper", "url": "https://arxiv.org/abs/2412.19509v2"}]
        doi_link = [{"label": "Paper", "url": "https://doi.org/10.1145/ABC"}]
        path = write_db(
            tmp_path,
            [
                paper("a2024", "Token Pruning for Vision Transformers", arxiv="2412.19509", links=arxiv_link),
                paper("b2024", "Token Merging for Vision Transformers", doi="10.1145/abc", links=doi_link),
                paper("c2024", "Layer Dropping for Vision Transformers", arxiv="2401.00001"),
            ],
        )
        out = cli("--db", str(path), "check", "--json", "--ignore", "stale-output").stdout
        assert keys(out, "id-link-mismatch") == set()
