"""Schema 3 (issue 11): where each field came from (`provenance`), pinned fields and rejected proposals, recorded by
`add`, `import bibtex` and `edit`, shown by `show --provenance`."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from conftest import Cli
from evlm_cli import db
from evlm_cli.errors import DatabaseError
from evlm_cli.model import Provenance
from fakeapi import FakeApi
from test_cli_add import QUERY, api  # noqa: F401 - the fixture, with the sources pointed at the fake server

SCHEMA_3 = """schema = 3
[survey]
title = "T"
[[sections]]
id = "a"
title = "A"
[[papers]]
key = "x2024"
title = "X"
section = "a"
authors = ["Ann Bee"]
pinned = ["title"]
[papers.provenance]
title = { source = "hand", date = 2026-12-01 }
authors = { source = "arxiv", id = "2308.13137", url = "https://arxiv.org/abs/2308.13137" }
[papers.rejected]
doi = ["10.1/x", "10.1/y"]
"""


def test_the_schema_3_fields_survive_the_database() -> None:
    """Read, saved and read again: provenance per field, pins and rejections are kept, and the text is canonical."""
    (paper,) = db.loads(SCHEMA_3).papers
    assert paper.source_of("title") == Provenance("hand", date=dt.date(2026, 12, 1))
    assert paper.source_of("authors") == Provenance("arxiv", "2308.13137", "https://arxiv.org/abs/2308.13137")
    assert paper.source_of("year") is None
    assert paper.pinned == ("title",) and paper.rejected == (("doi", "10.1/x"), ("doi", "10.1/y"))
    text = db.dumps(db.loads(SCHEMA_3))
    assert db.loads(text).papers == (paper,) and db.dumps(db.loads(text)) == text
    assert json.loads(json.dumps(db.paper_json(paper)))["provenance"]["title"] == {
        "source": "hand",
        "date": "2026-12-01",
    }


def test_a_schema_2_database_reads_unchanged() -> None:
    """Nothing in schema 2 changed meaning: its papers load as before, with no provenance."""
    text = SCHEMA_3.replace("schema = 3", "schema = 2").split("pinned")[0]
    (paper,) = db.loads(text).papers
    assert (paper.provenance, paper.pinned, paper.rejected) == ((), (), ())


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('title = { source = "hand"', 'title = { source = "oracle"', "source 'oracle'"),
        ('title = { source = "hand", date = 2026-12-01 }', 'title = "hand"', "field 'provenance' must be"),
        ('pinned = ["title"]', 'pinned = ["titel"]', "'pinned' names 'titel', not a field"),
        ('pinned = ["title"]', 'pinned = ["key"]', "'pinned' names 'key', not a field"),
        ('url = "https://arxiv', 'url = "ftp://arxiv', "malformed URL"),
        ('doi = ["10.1/x", "10.1/y"]', "doi = 3", "field 'rejected' must be"),
    ],
)
def test_malformed_schema_3_fields(old: str, new: str, message: str) -> None:
    """Each is one DatabaseError naming the paper, the line and the field."""
    assert old in SCHEMA_3
    with pytest.raises(DatabaseError, match=message) as caught:
        db.loads(SCHEMA_3.replace(old, new), source="p.toml")
    assert "p.toml:7: paper 'x2024'" in str(caught.value.where)


def test_show_provenance(cli: Cli, tmp_path: Path) -> None:
    """`show --provenance` puts each field's origin beside it; plain `show` keeps the table as it was."""
    path = tmp_path / "p.toml"
    path.write_text(SCHEMA_3, encoding="utf-8")
    shown = cli("--db", str(path), "show", "x2024", "--provenance").stdout
    assert "hand, 2026-12-01 (pinned)" in shown
    assert "arxiv 2308.13137, https://arxiv.org/abs/2308.13137" in shown
    assert "rejected doi" in shown and "10.1/x; 10.1/y" in shown
    plain = cli("--db", str(path), "show", "x2024").stdout
    assert "arxiv 2308.13137" not in plain and "rejected" not in plain
    data = json.loads(cli("--db", str(path), "show", "x2024", "--json").stdout)
    assert data["provenance"]["authors"]["source"] == "arxiv" and data["pinned"] == ["title"]


def test_edit_records_hand(cli: Cli, tmp_path: Path) -> None:
    """A field set with `edit --set` is the maintainer's: its provenance becomes `hand`, today."""
    path = tmp_path / "p.toml"
    path.write_text(SCHEMA_3, encoding="utf-8")
    cli("--db", str(path), "edit", "x2024", "--set", "authors=Ann Bee; Cy Dee", "--no-build")
    (paper,) = db.load(path).papers
    assert paper.source_of("authors") == Provenance("hand", date=dt.date.today())
    assert paper.source_of("title") == Provenance("hand", date=dt.date(2026, 12, 1))


def test_add_records_the_source(cli: Cli, api: FakeApi, db_path: Path) -> None:  # noqa: F811
    """`add` records arXiv as the source of what it fetched, and `hand` for what the maintainer typed."""
    api.answer(QUERY, file="arxiv_id_list_1111.2011v2.xml")
    cli("add", "1111.2011v2", "--section", "token-reduction", "--venue", "PRB", "--no-build")
    paper = db.load(db_path).papers[-1]
    origin = paper.source_of("authors")
    assert origin is not None and (origin.source, origin.id, origin.url) == (
        "arxiv",
        "1111.2011",
        "https://arxiv.org/abs/1111.2011",
    )
    assert {name for name, _ in paper.provenance} >= {"title", "authors", "year", "abstract", "arxiv", "doi"}
    venue = paper.source_of("venue")
    assert venue is not None and venue.source == "hand"


def test_add_by_hand_records_hand(cli: Cli, db_path: Path) -> None:
    cli("add", "--title", "Tiny VLM", "--author", "Ann Bee", "--section", "token-reduction", "--no-build")
    paper = db.load(db_path).papers[-1]
    assert {origin.source for _, origin in paper.provenance} == {"hand"}
    assert paper.source_of("title") is not None and paper.source_of("authors") is not None


def test_import_bibtex_records_the_file_and_key(cli: Cli, db_path: Path, tmp_path: Path) -> None:
    bib = tmp_path / "refs.bib"
    bib.write_text("@article{smith2020,\n  title = {Tiny Things},\n  author = {Smith, Ann},\n  year = 2020\n}\n")
    cli("import", "bibtex", str(bib), "--section", "token-reduction", "--no-build")
    paper = next(p for p in db.load(db_path).papers if p.title == "Tiny Things")
    origin = paper.source_of("authors")
    assert origin is not None and (origin.source, origin.id) == ("bibtex", "refs.bib:smith2020")
    assert paper.source_of("title") is not None and paper.source_of("year") is not None
