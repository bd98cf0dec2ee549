"""URLs that `urllib.parse.urlsplit` refuses (a `[` or `]` in the host, a host that changes under NFKC, a port that
is not a number): in the TOML a validation error with file:line, as an argument a usage error (exit 2), in an
import a reported line; never a traceback (ids.split_url is the one place that calls urlsplit)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import Cli
from dbutil import record_line
from evlm_cli import db, ids
from evlm_cli.lint.rules.link_kinds import link_kind

KEY = "mbq2024modality"
CODE = 'url = "https://github.com/thu-nics/MBQ"'
BAD = ["http://[abc/x", "http://abc]/x", "https://[github.com]/x", "https://a\uff03b/", "http://x:99999999/"]


class TestIds:
    @pytest.mark.parametrize("url", BAD)
    def test_refused_without_raising(self, url: str) -> None:
        assert ids.split_url(url) is None
        assert ids.is_valid_url(url) is False
        assert ids.arxiv_from_url(url) is None
        assert ids.doi_from_url(url) is None
        assert ids.ids_from_links([url]).arxiv is None
        assert link_kind(url) == "other"

    @pytest.mark.parametrize("url", ["http://[::1]/x", "https://github.com/a/b", "https://exämple.org:8080/p?q=1#f"])
    def test_good_urls_still_pass(self, url: str) -> None:
        assert ids.is_valid_url(url)

    @pytest.mark.parametrize("url", ["https://a.io/\x00", "https://a.io/\x1b", "https://a.io/\x85", "https://a.io/ x"])
    def test_control_characters_make_a_url_malformed(self, url: str) -> None:
        assert not ids.is_valid_url(url)


class TestDatabase:
    """A hand-edited link with a bracket in its host."""

    @pytest.mark.parametrize("command", [["list"], ["build"], ["search", "modality"], ["export", "ris"], ["sections"]])
    def test_paper_link_is_a_validation_error(self, cli: Cli, db_path: Path, command: list[str]) -> None:
        text = db_path.read_text(encoding="utf-8")
        db_path.write_text(text.replace(CODE, 'url = "https://[github.com/thu-nics/MBQ"'), encoding="utf-8")
        line = record_line(db_path, f'key = "{KEY}"')
        result = cli(*command, code=1)
        assert result.stderr.count("\n") == 1, result.stderr
        assert f"papers.toml:{line}: paper '{KEY}': field 'links' has malformed URL" in result.stderr

    def test_check_lists_it(self, cli: Cli, db_path: Path) -> None:
        """`evlm check` reports it as a schema error with its line, and goes on with the other papers."""
        text = db_path.read_text(encoding="utf-8")
        db_path.write_text(text.replace(CODE, 'url = "https://gith]ub.com/x"'), encoding="utf-8")
        result = cli("check", code=1)
        assert "malformed URL 'https://gith]ub.com/x'" in result.stdout
        assert "Traceback" not in result.stdout + result.stderr

    def test_survey_link(self, cli: Cli, db_path: Path) -> None:
        """The header's links are checked too (they were not before)."""
        text = db_path.read_text(encoding="utf-8")
        db_path.write_text(text.replace('url = "http://arxiv.org', 'url = "http://[arxiv.org', 1), encoding="utf-8")
        result = cli("list", code=1)
        assert f"papers.toml:{record_line(db_path, '[arxiv.org')}: [survey]: field 'links'" in result.stderr


class TestArguments:
    """A malformed URL argument is a usage error (exit 2) and changes nothing."""

    @pytest.mark.parametrize("url", BAD)
    def test_add_code(self, cli: Cli, db_path: Path, url: str) -> None:
        before = db_path.read_bytes()
        result = cli("add", "--title", "T", "--section", "pruning", "--code", url, code=2)
        assert "Invalid value for '--code'" in result.stderr and "not an absolute http(s) URL" in result.stderr
        assert db_path.read_bytes() == before

    def test_add_url(self, cli: Cli, db_path: Path) -> None:
        before = db_path.read_bytes()
        result = cli("add", "--title", "T", "--section", "pruning", "--url", "http://[x", code=2)
        assert "Invalid value for '--url'" in result.stderr
        assert db_path.read_bytes() == before

    @pytest.mark.parametrize("field", ["paper", "code", "link.Project"])
    def test_edit_set(self, cli: Cli, db_path: Path, field: str) -> None:
        before = db_path.read_bytes()
        result = cli("edit", KEY, "--set", f"{field}=https://[github.com]/x", code=2)
        assert "Invalid value for '--set'" in result.stderr and "'https://[github.com]/x'" in result.stderr
        assert db_path.read_bytes() == before

    def test_edit_set_empty_still_removes_the_link(self, cli: Cli, db_path: Path) -> None:
        cli("edit", KEY, "--set", "code=", "--no-build")
        assert db.load(db_path).paper(KEY).code_url is None

    def test_add_identifier(self, cli: Cli, db_path: Path) -> None:
        """An id that looks like a URL with a bracket in its host is not an id: one line, no network needed."""
        before = db_path.read_bytes()
        result = cli("add", "https://[arxiv.org/abs/2412.19509", "--section", "pruning", code=1)
        assert "not an arXiv id" in result.stderr and "Traceback" not in result.stderr
        assert db_path.read_bytes() == before


class TestImports:
    def test_readme_reports_the_line(self, cli: Cli, tmp_path: Path) -> None:
        readme = tmp_path / "in.md"
        readme.write_text(
            "# T\n> **[Paper](http://[x/)** [[arXiv](https://arxiv.org/abs/2312.03863)]\n## S\n"
            "- A, <ins>CVPR, 2024</ins> [[Paper](https://[a.io]/x)]\n- B, <ins>CVPR, 2024</ins> [[Paper](https://b.io)]\n",
            encoding="utf-8",
        )
        target = tmp_path / "new.toml"
        result = cli("--db", str(target), "import", "readme", str(readme))
        assert "line 2: link 'http://[x/' is malformed; left out" in result.stderr
        assert "line 4: repaired: link 'Paper' to 'https://[a.io]/x' left out" in result.stderr
        survey = db.load(target)
        assert [(p.title, len(p.links)) for p in survey.papers] == [("A", 0), ("B", 1)]
        assert [link.label for link in survey.info.links] == ["arXiv"]

    def test_bibtex_keeps_the_url_out_of_the_links(self, cli: Cli, tmp_path: Path, db_path: Path) -> None:
        bib = tmp_path / "refs.bib"
        bib.write_text("@article{k1,\n  title = {Bracketed},\n  url = {http://[x/},\n  code = {https://g]h.io},\n}\n")
        result = cli("import", "bibtex", str(bib), "--section", "pruning", "--no-build")
        assert (
            "url 'http://[x/' is not an http(s) URL; kept as written" in result.stderr
        )  # nothing an import reads is lost
        paper = next(p for p in db.load(db_path).papers if p.title == "Bracketed")
        assert paper.links == ()
