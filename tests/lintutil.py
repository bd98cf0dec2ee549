"""Helpers for the `evlm check` tests: a small database written from Python data, and findings as JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import tomli_w

SECTIONS = [
    {"id": "compression", "title": "Compression"},
    {"id": "quantization", "title": "Quantization", "parent": "compression"},
    {"id": "pruning", "title": "Pruning", "parent": "compression"},
    {"id": "distillation", "title": "Knowledge Distillation", "parent": "compression"},
]


def paper(key: str, title: str, section: str = "quantization", **fields: Any) -> dict[str, Any]:
    """A paper record with authors and a year, so only what a test adds is wrong."""
    record: dict[str, Any] = {"key": key, "title": title, "section": section, "authors": ["A. Author"], "year": 2024}
    record.update(fields)
    return record


def write_db(folder: Path, papers: list[dict[str, Any]], sections: list[dict[str, Any]] | None = None) -> Path:
    """Write a database with these papers to folder/papers.toml and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "papers.toml"
    document = {"schema": 1, "survey": {"title": "Test survey"}, "papers": papers}
    # Sections as [[sections]] blocks, as `evlm` writes them (tomli_w would inline short tables).
    blocks = "".join(
        "\n[[sections]]\n" + tomli_w.dumps(section) for section in (SECTIONS if sections is None else sections)
    )
    path.write_text(tomli_w.dumps(document) + blocks, encoding="utf-8")
    return path


def findings(stdout: str, rule: str | None = None) -> list[dict[str, Any]]:
    """The findings of `check --json`, optionally only one rule's."""
    found: list[dict[str, Any]] = json.loads(stdout)
    return [f for f in found if rule is None or f["rule"] == rule]


def keys(stdout: str, rule: str) -> set[str | None]:
    """The paper keys a rule reported."""
    return {f["key"] for f in findings(stdout, rule)}
