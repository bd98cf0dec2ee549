"""`evlm export FORMAT`: every format, the shared selection, `-o`, and CSL JSON checked against the CSL schema."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SHIPPED_DB, TEST_DATA, Cli
from evlm_cli import db
from evlm_cli.model import Link, Paper, Section, Survey, SurveyInfo
from evlm_cli.render.csl import render_csl_json
from evlm_cli.render.formats import FORMATS
from evlm_cli.render.ris import render_ris
from evlm_cli.selection import matching_keys

CSL_SCHEMA = TEST_DATA / "csl-data.schema.json"


def validate_csl(text: str) -> None:
    """Assert that `text` is valid CSL JSON: the CSL-data schema (draft 7) finds no error."""
    import jsonschema

    schema = json.loads(CSL_SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema)
    errors = sorted(validator.iter_errors(json.loads(text)), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])


class TestFormats:
    @pytest.mark.parametrize("name", list(FORMATS))
    def test_every_format_exports_the_whole_survey(self, cli: Cli, repo: Path, name: str) -> None:
        """Each format exports all 37 papers, mentioning every key (or title, for Markdown)."""
        result = cli("export", name)
        survey = db.load(repo / "data" / "papers.toml")
        for paper in survey.papers:
            assert (paper.title if name == "markdown" else paper.key) in result.stdout
        assert "exported 37 of 37 papers" in result.stderr

    def test_json_is_the_database_fields(self, cli: Cli, repo: Path) -> None:
        """json gives the database's own fields, as `show --json` does."""
        exported = json.loads(cli("export", "json", "--key", "mbq2024modality").stdout)
        assert exported == [json.loads(cli("show", "mbq2024modality", "--json").stdout)]

    def test_csv_has_a_header_and_one_row_per_paper(self, cli: Cli, repo: Path) -> None:
        """csv has a header row and one row per paper."""
        rows = list(csv.DictReader(io.StringIO(cli("export", "csv", "--section", "structured").stdout)))
        assert [row["key"] for row in rows] == [p.key for p in db.load(SHIPPED_DB).papers if p.section == "structured"]
        assert rows[0]["url"].startswith("https://")

    def test_markdown_uses_the_readme_line_format(self, cli: Cli, repo: Path) -> None:
        """markdown lines are exactly the README's bullets."""
        lines = cli("export", "markdown", "--key", "mbq2024modality").stdout.splitlines()
        assert len(lines) == 1
        assert lines[0] in (repo / "README.md").read_text(encoding="utf-8").splitlines()

    def test_ris_records(self) -> None:
        """RIS has one TY..ER record per paper with authors as `Last, First`."""
        text = render_ris(
            [Paper("k", "T", "s", authors=("Jörg Müller", "ACM"), year=2020, venue="ICLR", doi="10.1/x", tags=("a",))]
        )
        assert text.splitlines() == [
            "TY  - CPAPER",
            "ID  - k",
            "TI  - T",
            "AU  - Müller, Jörg",
            "AU  - ACM",
            "PY  - 2020",
            "T2  - ICLR",
            "DO  - 10.1/x",
            "UR  - https://doi.org/10.1/x",
            "KW  - a",
            "ER  - ",
        ]

    def test_unknown_format(self, cli: Cli, repo: Path) -> None:
        """An unknown format is a usage error (exit 2) listing the formats; a format's case does not matter."""
        result = cli("export", "endnote", code=2)
        assert f"unknown format 'endnote'; one of: {', '.join(FORMATS)}" in result.stderr
        assert "is not one of" not in result.stderr and "validation" not in result.stderr.lower()
        assert cli("export", "BibTeX", "-k", "mbq2024modality").stdout.startswith("@")

    def test_links_option(self, cli: Cli, repo: Path) -> None:
        """`--links` adds the survey's other links as fields named after their labels (bibtex, biblatex); without it
        the entry holds only what the styles read; a format with no place for links refuses it."""
        cli("edit", "mbq2024modality", "--set", "link.Project Page=https://example.org/mbq", "--no-build")
        plain = cli("export", "bibtex", "--key", "mbq2024modality").stdout
        assert "code =" not in plain and "projectpage" not in plain
        for fmt in ("bibtex", "biblatex"):
            linked = cli("export", fmt, "--key", "mbq2024modality", "--links").stdout
            assert "code = {https://github.com/thu-nics/MBQ}" in linked
            assert "projectpage = {https://example.org/mbq}" in linked
            assert linked.count("github.com/thu-nics/MBQ") == 1  # once, not also as the url
        result = cli("export", "ris", "--key", "mbq2024modality", "--links", code=1)
        assert "ris has no place for links" in result.stderr and result.stderr.count("\n") == 1


class TestSelection:
    def test_section_includes_subsections(self, cli: Cli, repo: Path) -> None:
        """--section takes the section and its subsections."""
        survey = db.load(SHIPPED_DB)
        wanted = {p.key for p in survey.papers if p.section in survey.subtree("pruning")}
        exported = {item["key"] for item in json.loads(cli("export", "json", "--section", "pruning").stdout)}
        assert exported == wanted
        assert len(wanted) > len(survey.papers_in("pruning"))

    def test_repeated_keys(self, cli: Cli, repo: Path) -> None:
        """--key can be repeated; an unknown key is an error with a suggestion."""
        result = cli("export", "bibtex", "--key", "mbq2024modality", "-k", "vlm2024post")
        assert result.stdout.count("\n@") + result.stdout.startswith("@") == 2
        error = cli("export", "bibtex", "--key", "mbq2024modalty", code=1)
        assert "mbq2024modality" in error.stderr

    def test_query_is_a_substring_match(self, cli: Cli, repo: Path) -> None:
        """--query keeps papers whose title, authors, venue, abstract or tags contain every word."""
        exported = json.loads(cli("export", "json", "--query", "balanced QUANTIZATION").stdout)
        assert [item["key"] for item in exported] == ["mbq2024modality"]

    def test_query_is_the_search_engine(self) -> None:
        """--query matches as `evlm search` does: accents and case folded, across fields, with stemming."""
        survey = Survey(
            SurveyInfo(title="t"),
            sections=(Section("s", "Things"),),
            papers=(Paper("k", "Über Pruning", "s", authors=("Jörg Müller",), tags=("edge",)),),
        )
        assert matching_keys(survey, "uber muller edge") == {"k"}
        assert matching_keys(survey, "pruned") == {"k"}
        assert matching_keys(survey, "uber quantization") == set()

    def test_export_query_uses_search_syntax(self, cli: Cli, repo: Path) -> None:
        """`export --query` takes the search language: stems, prefixes and fields."""
        exported = json.loads(cli("export", "json", "--query", "prun* year:2024 venue:iclr").stdout)
        assert [item["key"] for item in exported] == ["lin2024mope", "isomorphic2024pruning", "ecoflap2024efficient"]


class TestOutputFile:
    def test_output_file_is_written(self, cli: Cli, repo: Path, tmp_path: Path) -> None:
        """-o writes the file (stdout stays empty) and replaces an existing one."""
        target = tmp_path / "out.bib"
        target.write_text("old", encoding="utf-8")
        result = cli("export", "bibtex", "--section", "structured", "-o", str(target))
        assert result.stdout == ""
        text = target.read_text(encoding="utf-8")
        assert text.startswith("@misc{smarttrim2024adaptive,")
        assert not list(tmp_path.glob(".out.bib.*"))

    def test_unwritable_output_is_an_error(self, cli: Cli, repo: Path, tmp_path: Path) -> None:
        """-o into a missing folder is a usage error naming the folder, and nothing is written."""
        result = cli("export", "bibtex", "-o", str(tmp_path / "missing" / "out.bib"), code=2)
        assert "does not exist; create it first" in result.stderr
        assert not (tmp_path / "missing").exists()

    def test_empty_or_folder_output_is_a_usage_error(self, cli: Cli, repo: Path, tmp_path: Path) -> None:
        """-o '' and -o FOLDER are usage errors (exit 2) with a hint, not an OS error about '.'."""
        assert "--output" in cli("export", "bibtex", "-o", "", code=2).stderr
        assert "is empty; give a file name" in cli("export", "bibtex", "-o", "", code=2).stderr
        folder = tmp_path / "out"
        folder.mkdir()
        result = cli("export", "bibtex", "-o", str(folder), code=2)
        assert "is a folder; give a file name" in result.stderr
        assert list(folder.iterdir()) == []


class TestCslJson:
    def test_shipped_database_is_valid_csl(self, cli: Cli, repo: Path) -> None:
        """The whole survey as CSL JSON validates against the CSL-data schema."""
        validate_csl(cli("export", "csl-json").stdout)

    def test_the_schema_check_rejects_invalid_csl(self) -> None:
        """The schema check itself fails on an unknown type and a missing id (so passing means something)."""
        with pytest.raises(AssertionError, match="type"):
            validate_csl('[{"id": "k", "type": "preprint"}]')
        with pytest.raises(AssertionError, match="id"):
            validate_csl('[{"type": "article"}]')

    def test_types_names_and_dates(self) -> None:
        """Conference papers are paper-conference, names are split into family and given, years are date-parts."""
        links = (Link("Code", "https://github.com/a/b"),)
        text = render_csl_json(
            [Paper("k", "T", "s", authors=("Ludwig van Beethoven", "OpenAI"), year=2024, venue="ICML", links=links)]
        )
        validate_csl(text)
        (item,) = json.loads(text)
        assert item["type"] == "paper-conference"
        assert item["author"] == [
            {"family": "Beethoven", "given": "Ludwig", "dropping-particle": "van"},
            {"literal": "OpenAI"},
        ]
        assert item["issued"] == {"date-parts": [[2024]]}
        assert item["container-title"] == "ICML"
        assert item["note"] == "Code: https://github.com/a/b"

    def test_suffixes_organisations_and_et_al(self) -> None:
        """CSL gets the suffix apart, an organisation as a literal, and a final `others` as the literal `others`
        (pandoc's reading of BibTeX's `and others`, printed as "et al.")."""
        authors = ("Martin Luther King Jr.", "Jean-Claude Van Damme", "{Barnes and Noble, Inc.}", "others")
        text = render_csl_json([Paper("k", "T", "s", authors=authors, year=2024)])
        validate_csl(text)
        assert json.loads(text)[0]["author"] == [
            {"family": "King", "given": "Martin Luther", "suffix": "Jr."},
            {"family": "Van Damme", "given": "Jean-Claude"},
            {"literal": "Barnes and Noble, Inc."},
            {"literal": "others"},
        ]

    @settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        st.lists(st.text(min_size=1, max_size=20), max_size=3),
        st.text(min_size=1, max_size=30),
        st.sampled_from(["", "arXiv", "NeurIPS", "Journal of X", "web"]),
    )
    def test_any_paper_is_valid_csl(self, authors: list[str], title: str, venue: str) -> None:
        """Any authors, title and venue give schema-valid CSL JSON."""
        validate_csl(render_csl_json([Paper("k", title, "s", authors=tuple(authors), venue=venue, arxiv="2401.00001")]))

    def test_pandoc_citeproc_reads_it(self, cli: Cli, repo: Path, tmp_path: Path) -> None:
        """pandoc --citeproc formats every exported item, when pandoc is installed."""
        pandoc = shutil.which("pandoc")
        if pandoc is None:
            assert not os.environ.get("CI"), "CI installs pandoc (.ci/run); it is missing"
            pytest.skip("pandoc is not installed (optional outside CI)")
        bibliography = tmp_path / "refs.json"
        cli("export", "csl-json", "-o", str(bibliography))
        document = "---\nnocite: '@*'\n---\n"
        result = subprocess.run(
            [pandoc, "--citeproc", "--bibliography", str(bibliography), "-t", "plain"],
            input=document,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        assert "Quantization" in result.stdout
        assert not result.stderr


def test_readme_export_examples_work(cli: Cli, repo: Path) -> None:
    """Every `evlm export` example in the README runs and writes or prints BibTeX."""
    import shlex

    examples = [
        line.split("#")[0].strip()
        for line in (repo / "README.md").read_text(encoding="utf-8").splitlines()
        if line.startswith("evlm export ")
    ]
    assert len(examples) == 3
    for example in examples:
        args = shlex.split(example)[1:]
        result = cli(*args)
        written = repo / args[args.index("-o") + 1] if "-o" in args else None
        text = written.read_text(encoding="utf-8") if written else result.stdout
        assert text.startswith("@misc{") or text.startswith("@inproceedings{"), example


class TestEmptySelection:
    def test_no_match_is_an_error_and_keeps_the_file(self, cli: Cli, repo: Path, tmp_path: Path) -> None:
        """A query that matches nothing exits 1 and leaves an existing -o file as it was."""
        target = tmp_path / "keep.bib"
        target.write_text("@misc{keep}\n", encoding="utf-8")
        result = cli("export", "bibtex", "--query", "zzzqqq", "-o", str(target), code=1)
        assert "nothing to export" in result.stderr
        assert target.read_text(encoding="utf-8") == "@misc{keep}\n"

    def test_empty_section_is_an_error(self, cli: Cli, repo: Path) -> None:
        """An empty section exports nothing: exit 1 with a clear line, no empty bibliography on stdout."""
        result = cli("export", "bibtex", "--section", "token-reduction", code=1)
        assert result.stdout == ""
        assert "nothing to export" in result.stderr


class TestCslAsPandocReadsBibtex:
    """An imported record's CSL is what pandoc's BibTeX reader makes of the original entry (benchmarks/README.md)."""

    @pytest.mark.parametrize(
        ("latex", "csl"),
        [
            ("Reasoning About Naming Systems", "Reasoning about naming systems"),
            ("Citation concept analysis {(CCA)}---A new form", "Citation concept analysis (CCA)—a new form"),
            ("Statecarts in use: structured analysis", "Statecarts in use: Structured analysis"),
            ("A {iPhone} app for {Linux}", 'A <span class="nocase">iPhone</span> app for Linux'),
            ("The patent holder's dilemma", "The patent holder’s dilemma"),
            ("The {\\TeX}book", "The TeXbook"),
        ],
    )
    def test_titles_in_sentence_case_with_braces_kept(self, latex: str, csl: str) -> None:
        from evlm_cli.render.csl import sentence_case

        assert sentence_case(latex) == csl

    def test_record_fields(self) -> None:
        proceedings = Paper(
            "P", "Proc", "s", type="proceedings", editors=("Ann Editor",), publisher="ACM", series="LNCS", year=2020
        )
        part = Paper(
            "A", "A Study", "s", type="inproceedings", crossref="P", number="7", howpublished="Video",
            extra=(("type", "Talk"),), aliases=("A2",),
        )  # fmt: skip
        items = json.loads(render_csl_json([part, proceedings]))
        validate_csl(json.dumps(items))
        first = items[0]
        assert first["editor"] == [{"family": "Editor", "given": "Ann"}]  # from the crossref
        assert first["publisher"] == "Video; ACM" and first["collection-number"] == "7" and first["genre"] == "Talk"
        assert first["container-title"] == "Proc" and first["issued"] == {"date-parts": [[2020]]}
        assert [item["id"] for item in items] == ["A", "A2", "P"]
