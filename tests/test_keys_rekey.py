"""Citation keys: the rule, their stability, and `evlm rekey`."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import PUBLISHED_DATE, SHIPPED_DB, Cli
from evlm_cli import db, transaction
from evlm_cli.importers.readme import parse_readme
from evlm_cli.keys import base_key, make_key
from evlm_cli.model import Survey, validate_key


class TestRule:
    def test_name_year_word(self) -> None:
        """The key is the first author's folded last name, the year and the first significant title word."""
        assert base_key("Efficient Vision Language Models: A Survey", ["Gaurav Shinde"], 2025) == "shinde2025efficient"
        assert base_key("The Art of Pruning", ["Müller, Jörg"], 2023) == "muller2023art"

    def test_authorless_paper(self) -> None:
        """Without authors the first significant title word stands for the name."""
        assert base_key("MBQ-Modality-Balanced Quantization", [], 2024) == "mbq2024modality"

    def test_collisions_get_suffixes(self) -> None:
        """A taken key gets a, b, ... appended."""
        assert make_key("Efficient X", ["A Shinde"], 2025, {"shinde2025efficient"}) == "shinde2025efficienta"
        taken = {"shinde2025efficient", "shinde2025efficienta"}
        assert make_key("Efficient X", ["A Shinde"], 2025, taken) == "shinde2025efficientb"

    def test_collisions_ignore_case(self) -> None:
        """A key taken in another case counts as taken, as it does for BibTeX ("Repeated entry")."""
        assert make_key("Efficient X", ["A Shinde"], 2025, {"Shinde2025Efficient"}) == "shinde2025efficienta"

    def test_particles_and_suffixes_in_names(self) -> None:
        """The name part of a key is the family name with its particles, without a Jr. suffix."""
        assert base_key("Dreams", ["Martin Luther King, Jr."], 1963) == "king1963dreams"
        assert base_key("Ninth", ["Ludwig van Beethoven"], 1824) == "vanbeethoven1824ninth"
        assert base_key("Kicks", ["{Barnes and Noble, Inc.}"], 2020) == "barnesandnobleinc2020kicks"

    @settings(max_examples=200, deadline=None)
    @given(st.text(max_size=40), st.lists(st.text(max_size=20), max_size=3), st.none() | st.integers(1900, 2030))
    def test_every_generated_key_is_valid(self, title: str, authors: list[str], year: int | None) -> None:
        """Whatever the title and authors, the key is a valid, non-empty citation key."""
        assert validate_key(make_key(title, authors, year, set())) is None

    def test_imported_keys_follow_the_rule(self, seed_text: str) -> None:
        """Every key the published list's import gives is what the rule gives (with suffixes only for collisions)."""
        taken: set[str] = set()
        for paper in parse_readme(seed_text, today=PUBLISHED_DATE).survey.papers:
            assert paper.key == make_key(paper.title, paper.authors, paper.year, taken)
            taken.add(paper.key)

    def test_shipped_keys_stay_stable(self, seed_text: str) -> None:
        """Correcting the shipped records kept their keys (documents cite them): only the key made from a NeurIPS
        file name was renamed, to what the rule gives for the corrected record (docs/corrections.md)."""
        imported = {p.key for p in parse_readme(seed_text, today=PUBLISHED_DATE).survey.papers}
        shipped = db.load(SHIPPED_DB)
        assert {p.key for p in shipped.papers} == imported - {"neurips2024make"} | {"liao2023make"}
        liao = shipped.paper("liao2023make")
        assert make_key(liao.title, liao.authors, liao.year, set()) == "liao2023make"


class TestRekey:
    def test_renames_and_rebuilds(self, cli: Cli, db_path: Path) -> None:
        """rekey renames the paper, keeps everything else, and rebuilds papers.bib."""
        before = db.load(db_path).paper("vlm2024post")
        result = cli("rekey", "vlm2024post", "wang2024qvlm")
        assert "renamed vlm2024post to wang2024qvlm" in result.stderr
        survey = db.load(db_path)
        assert not survey.has_paper("vlm2024post")
        after = survey.paper("wang2024qvlm")
        assert (after.title, after.links, after.section) == (before.title, before.links, before.section)
        assert "@misc{wang2024qvlm," in (db_path.parent / "papers.bib").read_text(encoding="utf-8")
        cli("build", "--check")

    def test_refuses_an_existing_key(self, cli: Cli, db_path: Path) -> None:
        """A NEW key that is already taken is refused and nothing changes."""
        before = db_path.read_bytes()
        result = cli("rekey", "vlm2024post", "mbq2024modality", code=1)
        assert "key 'mbq2024modality' is already taken" in result.stderr
        assert db_path.read_bytes() == before

    def test_refuses_a_key_differing_only_in_case(self, cli: Cli, db_path: Path) -> None:
        """A NEW key equal to a taken one but for case is refused (BibTeX ignores case in keys)."""
        before = db_path.read_bytes()
        result = cli("rekey", "mbq2024modality", "VLM2024post", code=1)
        assert "key 'VLM2024post' is already taken (BibTeX ignores case in keys" in result.stderr
        assert "'vlm2024post'" in result.stderr
        assert db_path.read_bytes() == before

    def test_may_change_the_case_of_its_own_key(self, cli: Cli, db_path: Path) -> None:
        """Renaming a key to itself in another case is allowed: it clashes with nothing."""
        cli("rekey", "vlm2024post", "VLM2024post")
        assert db.load(db_path).has_paper("VLM2024post")

    def test_refuses_a_malformed_key(self, cli: Cli, db_path: Path) -> None:
        """A NEW key with characters BibTeX cannot take is refused."""
        result = cli("rekey", "vlm2024post", "bad key{", code=1)
        assert "new key 'bad key{' contains" in result.stderr

    def test_unknown_old_key(self, cli: Cli, db_path: Path) -> None:
        """An unknown OLD key is an error with a suggestion."""
        result = cli("rekey", "vlm2024pst", "x", code=1)
        assert "no paper 'vlm2024pst'" in result.stderr
        assert "vlm2024post" in result.stderr

    def test_keys_survive_edits(self, db_path: Path) -> None:
        """Changing a paper's title or authors never changes its key."""
        from dataclasses import replace

        def retitle(survey: Survey) -> Survey:
            papers = tuple(
                replace(p, title="Completely Different", authors=("Zed Zulu",)) if p.key == "mbq2024modality" else p
                for p in survey.papers
            )
            return replace(survey, papers=papers)

        transaction.write(db_path, retitle, rebuild=False)
        assert db.load(db_path).paper("mbq2024modality").title == "Completely Different"


class TestValidation:
    def test_duplicate_key_ignores_case(self) -> None:
        """Schema validation calls two keys differing only in case a duplicate key."""
        import pytest

        from evlm_cli.errors import DatabaseError
        from evlm_cli.model import Paper, Section, SurveyInfo, validate

        papers = (Paper("abc2020x", "One", "s"), Paper("ABC2020x", "Two", "s"))
        survey = Survey(info=SurveyInfo(title="t"), sections=(Section("s", "S"),), papers=papers)
        with pytest.raises(DatabaseError, match="duplicate key"):
            validate(survey)
