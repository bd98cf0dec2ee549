"""`evlm import bibtex`: messy real-world files, duplicates, broken blocks, dry runs and files that cannot be read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import TEST_DATA, Cli
from evlm_cli import db
from evlm_cli.importers.bibtex import evaluate, parse_bibtex
from evlm_cli.keys import split_name
from evlm_cli.model import Link, Paper, Section, Survey, SurveyInfo

MESSY = TEST_DATA / "messy.bib"


def survey_with(*papers: Paper) -> Survey:
    return Survey(info=SurveyInfo(title="t"), sections=(Section("s", "S"),), papers=papers)


def import_json(cli: Cli, *args: str, code: int = 0) -> dict[str, list[dict[str, object]]]:
    result = cli("import", "bibtex", *args, "--json", code=code)
    data: dict[str, list[dict[str, object]]] = json.loads(result.stdout)
    return data


class TestMessyFile:
    def test_imports_every_good_entry_into_the_section(self, cli: Cli, db_path: Path) -> None:
        """Good entries are added to the section with generated keys; broken and duplicate ones are not."""
        before = db.load(db_path)
        cli("import", "bibtex", str(MESSY), "--section", "structured")
        after = db.load(db_path)
        new = [p for p in after.papers if not before.has_paper(p.key)]
        assert [p.key for p in new] == [
            "muller2023uber",
            "shinde2024efficient",
            "dey2025tinyvlm",
            "roy2022parenthesised",
            "rampure2021imported",
            "usesundefined",
            "presspaper",
            "ravi2024second",
        ]
        assert {p.section for p in new} == {"structured"}
        assert len(after.papers) == len(before.papers) + 8

    def test_macros_accents_and_concatenation_are_resolved(self, cli: Cli, db_path: Path) -> None:
        """@string macros, `#`, month macros and LaTeX accents become the Unicode fields we store."""
        cli("import", "bibtex", str(MESSY), "--section", "structured")
        survey = db.load(db_path)
        first = survey.paper("muller2023uber")
        assert first.title == "Über CLIP: Token Pruning for Vision–Language Models"
        # names stay in the file's BibTeX syntax, accents as Unicode, except where bibtex would not read the accent
        # as one special character (`\~{\^e}` outside braces): that name is kept as written; `and others` is kept
        assert first.authors == ("Müller, Jörg", "Émile Zola", "Nguy\\~{\\^e}n, V{\\u a}n", "others")
        assert split_name(first.authors[2]).family == "Nguyễn"
        assert first.venue == "Proceedings of the IEEE/CVF Conference on Computer Vision and Pattern Recognition"
        assert first.doi == "10.1109/CVPR52729.2023.00001"
        assert survey.paper("roy2022parenthesised").title == "Parenthesised Entries Are Legal Too"
        assert survey.paper("roy2022parenthesised").venue == "Advances in Neural Information Processing Systems"
        assert survey.paper("shinde2024efficient").title == "Efficient α-Quantization of Large Models"

    def test_arxiv_fields_and_links_are_mapped(self, cli: Cli, db_path: Path) -> None:
        """eprint/archivePrefix/primaryClass, a Google Scholar arXiv journal, url, code and keywords are mapped."""
        cli("import", "bibtex", str(MESSY), "--section", "structured")
        survey = db.load(db_path)
        tiny = survey.paper("dey2025tinyvlm")
        assert (tiny.arxiv, tiny.arxiv_version, tiny.arxiv_category, tiny.venue) == ("2502.00007", 2, "cs.CV", "arXiv")
        assert tiny.paper_url == "https://example.org/paper_page?a=1%20b"
        assert tiny.code_url == "https://github.com/example/tinyvlm"
        assert tiny.tags == ("quantization", "edge", "VLM")
        scholar = survey.paper("shinde2024efficient")
        assert (scholar.arxiv, scholar.venue) == ("2401.01234", "arXiv")
        assert scholar.paper_url == "https://arxiv.org/abs/2401.01234"

    def test_reports_broken_blocks_with_line_numbers(self, cli: Cli, db_path: Path) -> None:
        """Each block that cannot be parsed, and each dropped field, is reported with its line number."""
        result = cli("import", "bibtex", str(MESSY), "--section", "structured")
        assert f"{MESSY}:47: cannot parse `@article{{broken_entry,`" in result.stderr
        assert f"{MESSY}:58: @article{{no_title}} has no title" in result.stderr
        assert f"{MESSY}:63: bad_macro: field 'journal' left out: undefined @string macro" in result.stderr
        assert f"{MESSY}:68: bad_year: year 'in press'" in result.stderr

    def test_skips_papers_already_present(self, cli: Cli, db_path: Path) -> None:
        """Papers with the same arXiv id or normalised title as one in the survey are skipped, with a report."""
        data = import_json(cli, str(MESSY), "--section", "structured")
        assert data["skipped"] == [
            {
                "line": 75,
                "key": "dup_arxiv",
                "existing": "mbq2024modality",
                "reason": "same arXiv id 2412.19509",
                "alias": False,
            },
            {"line": 80, "key": "dup_title", "existing": "boost2023vision", "reason": "same title", "alias": False},
        ]

    def test_a_second_import_adds_nothing(self, cli: Cli, db_path: Path) -> None:
        """Importing the same file again skips every paper and leaves the database as it was."""
        cli("import", "bibtex", str(MESSY), "--section", "structured")
        once = db_path.read_bytes()
        data = import_json(cli, str(MESSY), "--section", "structured")
        assert data["added"] == []
        assert db_path.read_bytes() == once

    def test_generated_files_are_rebuilt(self, cli: Cli, db_path: Path) -> None:
        """After an import README.md and data/papers.bib include the new papers, so `build --check` passes."""
        cli("import", "bibtex", str(MESSY), "--section", "structured")
        cli("build", "--check")
        assert "@inproceedings{muller2023uber," in (db_path.parent / "papers.bib").read_text(encoding="utf-8")

    def test_keep_keys(self, cli: Cli, db_path: Path) -> None:
        """--keep-keys keeps the file's keys; a repeated one gets a generated key instead."""
        data = import_json(cli, str(MESSY), "--section", "structured", "--keep-keys")
        keys = [item["key"] for item in data["added"]]
        assert keys[:3] == ["Mueller2023", "gs_arxiv", "bbt_eprint"]
        assert "ravi2024second" in keys
        assert db.load(db_path).has_paper("Mueller2023")


class TestDryRun:
    def test_dry_run_writes_nothing(self, cli: Cli, repo: Path, db_path: Path) -> None:
        """--dry-run lists what would be added and changes no file."""
        before = {path: path.read_bytes() for path in (db_path, repo / "README.md", db_path.parent / "papers.bib")}
        result = cli("import", "bibtex", str(MESSY), "--section", "structured", "--dry-run")
        assert "would add muller2023uber: Über CLIP" in result.stdout
        assert "would add 8 of 11 entries; 2 already present" in result.stderr
        assert {path: path.read_bytes() for path in before} == before


class TestUnusableInput:
    def test_missing_file(self, cli: Cli, db_path: Path) -> None:
        """A file that does not exist is one error line and nothing is written."""
        before = db_path.read_bytes()
        result = cli("import", "bibtex", "nope.bib", "--section", "structured", code=1)
        assert "nope.bib: no such file" in result.stderr
        assert db_path.read_bytes() == before

    def test_not_utf8(self, cli: Cli, db_path: Path, tmp_path: Path) -> None:
        """A Latin-1 file is read as Windows-1252 with a warning naming the line of the first bad byte."""
        latin = tmp_path / "latin1.bib"
        latin.write_bytes("% refs\n@article{a, title={M\u00fcller \u00e9t\u00e9}}".encode("latin-1"))
        result = cli("import", "bibtex", str(latin), "--section", "structured")
        assert "not UTF-8 (first bad byte on line 2); read as Windows-1252" in result.stderr
        assert [p.title for p in db.load(db_path).papers_in("structured")][-1] == "Müller été"

    def test_no_entries(self, cli: Cli, db_path: Path, tmp_path: Path) -> None:
        """A file with no entry at all (here: only a broken one) is an error, and nothing is written."""
        broken = tmp_path / "broken.bib"
        broken.write_text("Just some text.\n@article{a, title = {never closed\n", encoding="utf-8")
        before = db_path.read_bytes()
        result = cli("import", "bibtex", str(broken), "--section", "structured", code=1)
        assert "no BibTeX entries found" in result.stderr
        assert db_path.read_bytes() == before

    def test_unknown_section(self, cli: Cli, db_path: Path) -> None:
        """An unknown section is refused with a did-you-mean hint."""
        result = cli("import", "bibtex", str(MESSY), "--section", "structurd", code=1)
        assert "no section 'structurd'" in result.stderr
        assert "structured" in result.stderr


class TestEvaluate:
    @settings(max_examples=100, deadline=None)
    @given(st.lists(st.text(alphabet=st.characters(exclude_characters='{}"'), max_size=10), min_size=1, max_size=5))
    def test_concatenation(self, parts: list[str]) -> None:
        """`{a} # "b" # macro` concatenates the parts and expands the macro."""
        raw = " # ".join(f"{{{part}}}" if i % 2 else f'"{part}"' for i, part in enumerate(parts)) + " # m"
        assert evaluate(raw, {"m": "!"}) == "".join(parts) + "!"

    @pytest.mark.parametrize("raw", ["{a", "a #", "{a} b", '"a'])
    def test_malformed_values(self, raw: str) -> None:
        """Unbalanced or dangling values raise ValueError (reported by the importer)."""
        with pytest.raises(ValueError, match=r"."):
            evaluate(raw, {"a": "x"})


def test_dry_run_works_on_the_bundled_survey(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Outside a clone, --dry-run reads the bundled survey; a real import is refused as read-only."""
    monkeypatch.chdir(tmp_path)
    result = cli("import", "bibtex", str(MESSY), "--section", "structured", "--dry-run")
    assert "would add 8 of 11 entries" in result.stderr
    refused = cli("import", "bibtex", str(MESSY), "--section", "structured", code=1)
    assert "read-only" in refused.stderr


BIB_ALPHABET = st.sampled_from([*'@{}()",=#%\\ \n', "@article{", "@string{", "title = ", "author = ", " and "])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(BIB_ALPHABET, st.text(max_size=5)), max_size=40).map("".join))
def test_any_text_imports_valid_papers_or_fails_cleanly(text: str) -> None:
    """Whatever the file holds, the importer returns valid papers or raises ImportFormatError, never crashes."""
    from evlm_cli.errors import ImportFormatError
    from evlm_cli.importers.bibtex import parse_bibtex
    from evlm_cli.model import Section, Survey, SurveyInfo, check_paper

    survey = Survey(info=SurveyInfo(title="t"), sections=(Section("s", "S"),))
    try:
        result = parse_bibtex(text, survey, "s")
    except ImportFormatError:
        return
    seen: set[str] = set()
    for paper in result.papers:
        check_paper(paper, {"s"}, seen)
        seen.add(paper.key)


class TestDroppedFields:
    """Fields a first version dropped or mangled without a word."""

    def parse(self, body: str, **options: object) -> Paper:
        result = parse_bibtex(f"@misc{{k, title={{T}}, {body}}}", survey_with(), "s", **options)  # type: ignore[arg-type]
        (paper,) = result.papers
        self.problems = [p.reason for p in result.problems]
        return paper

    @pytest.mark.parametrize(
        "doi",
        ["https://doi.org/10.1109/ABC.2020.1", "http://dx.doi.org/10.1109/ABC.2020.1", "doi:10.1109/ABC.2020.1"],
    )
    def test_doi_in_url_form(self, doi: str) -> None:
        """A DOI written as a doi.org URL or with `doi:` is parsed, not dropped, and kept in the case written."""
        assert self.parse(f"doi = {{{doi}}}").doi == "10.1109/ABC.2020.1"

    def test_a_doi_that_is_not_one_is_reported(self) -> None:
        """A doi field that holds no DOI is left out with a problem line."""
        assert self.parse("doi = {n/a}").doi is None
        assert any("doi 'n/a' is not a DOI" in reason for reason in self.problems)

    def test_url_in_howpublished_is_the_link_not_the_venue(self) -> None:
        """`howpublished = {\\url{...}}` becomes the Paper link and no venue `<https://...>`."""
        paper = self.parse("howpublished = {\\url{https://example.com/a_b}}")
        assert (paper.venue, paper.paper_url) == ("", "https://example.com/a_b")
        paper = self.parse("howpublished = {Blog, \\href{https://example.com/p}{the post}}")
        assert (paper.venue, paper.paper_url) == ("Blog", "https://example.com/p")

    def test_href_in_a_note_does_not_crash(self) -> None:
        """`\\href{url}{text}` anywhere decodes to `text <url>` (pylatexenc alone raises IndexError)."""
        assert self.parse("note = {see \\href{https://a.b/c}{here}}").bib_note == "see here <https://a.b/c>"

    def test_and_others_is_kept(self) -> None:
        """`and others` stays as the last author, so the list is known to be incomplete."""
        assert self.parse('author = "Zhang, Wei and others"').authors == ("Zhang, Wei", "others")

    def test_braced_organisation_is_one_author(self) -> None:
        """A corporate author braced whole stays one author, stored in braces."""
        paper = self.parse("author = {{Barnes and Noble, Inc.} and Doe, Jane and {OpenAI}}")
        assert paper.authors == ("{Barnes and Noble, Inc.}", "Doe, Jane", "OpenAI")

    @pytest.mark.parametrize("year", ["2020--2021", "2020/21", "2020 and 2021"])
    def test_year_range_keeps_the_first_year_and_says_so(self, year: str) -> None:
        """A year range keeps its first year and is reported, not silently cut."""
        assert self.parse(f"year = {{{year}}}").year == 2020
        assert any("is a range or list; kept the first year, 2020" in reason for reason in self.problems)

    def test_a_date_is_not_a_range(self) -> None:
        """A BibLaTeX date like 2020-05-12 or 2020-05 is a year without a problem."""
        assert self.parse("date = {2020-05-12}").year == 2020
        assert self.parse("date = {2020-05}").year == 2020
        assert self.problems == []


class TestKeysIgnoreCase:
    def test_keep_keys_replaces_a_key_differing_only_in_case(self, cli: Cli, db_path: Path, tmp_path: Path) -> None:
        """--keep-keys does not keep `MBQ2024Modality` next to `mbq2024modality`: a new key is made and reported."""
        bib = tmp_path / "case.bib"
        bib.write_text("@misc{MBQ2024Modality, title={Another Paper}, author={Jane Doe}, year=2024}\n")
        result = cli("import", "bibtex", str(bib), "--section", "structured", "--keep-keys")
        assert "'MBQ2024Modality' is taken (BibTeX ignores case in keys); imported as 'doe2024another'" in result.stderr
        keys = [p.key.casefold() for p in db.load(db_path).papers]
        assert len(keys) == len(set(keys))

    def test_keys_within_one_file_differing_in_case(self) -> None:
        """Two entries of one file whose keys differ only in case get distinct keys."""
        bib = "@misc{Abc, title={One}}\n@misc{aBC, title={Two}}\n"
        result = parse_bibtex(bib, survey_with(), "s", keep_keys=True)
        assert [p.key for p in result.papers] == ["Abc", "two"]


class TestNoBuild:
    def test_no_build_leaves_the_generated_files(self, cli: Cli, db_path: Path) -> None:
        """--no-build adds the papers but leaves README.md and papers.bib as they were (like add --no-build)."""
        bib = db_path.parent / "papers.bib"
        before = bib.read_bytes()
        cli("import", "bibtex", str(MESSY), "--section", "structured", "--no-build")
        assert db.load(db_path).has_paper("muller2023uber")
        assert bib.read_bytes() == before
        cli("build", "--check", code=1)


class TestSameRuleAsAdd:
    """`import bibtex` leaves out exactly the papers `add` refuses (`dedupe.Index`)."""

    def test_near_identical_title_is_skipped(self, cli: Cli, repo: Path, tmp_path: Path) -> None:
        """A title `add` calls near-identical to one in the survey is skipped on import too."""
        title = "MBQ: Modality-Balanced Quantization for Large Vision Language Models"
        refused = cli("add", "--title", title, "--section", "token-reduction", code=1)
        assert "as 'mbq2024modality' (near-identical title)" in refused.stderr
        bib = tmp_path / "near.bib"
        bib.write_text(f"@misc{{near, title={{{title}}}, author={{Jane Doe}}, year=2024}}\n", encoding="utf-8")
        data = import_json(cli, str(bib), "--section", "structured")
        assert data["skipped"] == [
            {"line": 1, "key": "near", "existing": "mbq2024modality", "reason": "near-identical title", "alias": False}
        ]

    def test_arxiv_link_is_an_id(self) -> None:
        """An arXiv id given only as a link of a paper in the survey still makes the entry a duplicate."""
        linked = Paper(key="a2024", title="A", section="s", links=(Link("Paper", "https://arxiv.org/abs/2401.00001"),))
        result = parse_bibtex("@misc{b, title={Something Else}, eprint={2401.00001}}\n", survey_with(linked), "s")
        assert [(s.existing, s.reason) for s in result.skipped] == [("a2024", "same arXiv id 2401.00001")]

    def test_different_numbers_are_kept(self) -> None:
        """Llama 3 is not Llama 2: imported, as `add` would add it."""
        llama2 = Paper(key="l2", title="Llama 2: Open Foundation and Chat Models", section="s")
        result = parse_bibtex("@misc{l3, title={Llama 3: Open Foundation and Chat Models}}\n", survey_with(llama2), "s")
        assert [p.title for p in result.papers] == ["Llama 3: Open Foundation and Chat Models"]


class TestAliases:
    """A work a .bib cites under two keys: with --keep-keys the second key stays usable, as an alias."""

    BIB = (
        "@article{first, title={One Work}, author={Jane Doe}, journal={J}, year=1987, doi={10.1145/X.Y}}\n"
        "@article{second, title={One Work}, author={Jane Doe}, journal={J}, year=1987, doi={10.1145/x.y}}\n"
    )

    def test_the_duplicate_key_is_kept_as_an_alias(self, cli: Cli, db_path: Path, tmp_path: Path) -> None:
        bib = tmp_path / "twice.bib"
        bib.write_text(self.BIB, encoding="utf-8")
        result = cli("import", "bibtex", str(bib), "--section", "structured", "--keep-keys")
        assert "skipped 'second': same DOI 10.1145/x.y as 'first'; kept as an alias of 'first'" in result.stderr
        assert db.load(db_path).paper("first").aliases == ("second",)
        exported = cli("export", "bibtex", "--key", "first").stdout
        assert "@article{first," in exported and "@article{second," in exported
        first, second = exported.split("@article{first,")[1].split("@article{second,")
        assert first.strip() == second.strip()  # the same entry under the alias key
        biblatex = cli("export", "biblatex", "--key", "first").stdout
        assert "ids = {second}" in biblatex and "@article{second" not in biblatex
        items = json.loads(cli("export", "csl-json", "--key", "first").stdout)
        assert [item["id"] for item in items] == ["first", "second"]

    def test_an_alias_of_a_paper_already_in_the_survey(self, cli: Cli, db_path: Path, tmp_path: Path) -> None:
        """The paper the survey had gets the alias; without --keep-keys no alias is made."""
        bib = tmp_path / "twice.bib"
        bib.write_text(self.BIB.splitlines()[0] + "\n", encoding="utf-8")
        cli("import", "bibtex", str(bib), "--section", "structured", "--keep-keys")
        bib.write_text(self.BIB.splitlines()[1] + "\n", encoding="utf-8")
        cli("import", "bibtex", str(bib), "--section", "structured")
        assert db.load(db_path).paper("first").aliases == ()
        data = import_json(cli, str(bib), "--section", "structured", "--keep-keys")
        assert data["skipped"][0]["alias"] is True
        assert db.load(db_path).paper("first").aliases == ("second",)
        cli("build", "--check")

    def test_a_taken_key_is_not_an_alias(self) -> None:
        survey = survey_with(Paper(key="second", title="Other", section="s"))
        result = parse_bibtex(self.BIB, survey, "s", keep_keys=True)
        assert [p.aliases for p in result.papers] == [()]
        assert [s.alias for s in result.skipped] == [False]


class TestAliasValidation:
    def test_an_alias_clashing_with_a_key_is_refused(self, cli: Cli, db_path: Path) -> None:
        text = db_path.read_text(encoding="utf-8")
        first = db.load(db_path).papers[1]
        other = db.load(db_path).papers[0].key  # listed before: the alias is the one at fault
        marker = f'key = "{first.key}"\n'
        db_path.write_text(text.replace(marker, marker + f'aliases = ["{other.upper()}"]\n', 1), encoding="utf-8")
        result = cli("list", code=1)
        assert f"field 'aliases' has '{other.upper()}', which is already a key or alias" in result.stderr

    def test_an_alias_must_be_a_usable_key(self) -> None:
        from evlm_cli.model import validate_all

        survey = survey_with(Paper(key="a", title="A", section="s", aliases=("has space",)))
        assert "field 'aliases' has 'has space', which contains" in validate_all(survey)[0].message

    def test_rekey_refuses_another_papers_alias_and_takes_its_own(self) -> None:
        from evlm_cli.errors import EvlmError
        from evlm_cli.keys import rename

        survey = survey_with(
            Paper(key="a", title="A", section="s", aliases=("a2",)), Paper(key="b", title="B", section="s")
        )
        with pytest.raises(EvlmError, match="already taken"):
            rename(survey, "b", "A2")
        assert rename(survey, "a", "a2").paper("a2").aliases == ()
