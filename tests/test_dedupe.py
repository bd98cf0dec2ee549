"""Same paper or not: ids tell papers apart before titles do, numbers matter, every script counts."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import Cli
from evlm_cli import db, dedupe, edit
from evlm_cli.model import Paper, Section, Survey, SurveyInfo
from evlm_cli.text import normalize_title
from lintutil import findings, keys, paper, write_db


def draft(title: str, **fields: object) -> Paper:
    fields.setdefault("key", "")
    return Paper(title=title, section="s", **fields)  # type: ignore[arg-type]


class TestTitles:
    @pytest.mark.parametrize(
        ("a", "b"),
        [
            (
                "Llama 2: Open Foundation and Fine-Tuned Chat Models",
                "Llama 3: Open Foundation and Fine-Tuned Chat Models",
            ),
            (
                "Qwen2-VL: Enhancing Vision-Language Model Perception",
                "Qwen2.5-VL: Enhancing Vision-Language Model Perception",
            ),
            ("Concurrent paper number 1 zeta1 about tokens", "Concurrent paper number 10 zeta10 about tokens"),
            ("Paper by 王小明 on pruning models", "Paper by Γιώργος Παπαδόπουλος on pruning models"),
        ],
    )
    def test_different_papers_are_not_the_same_title(self, a: str, b: str) -> None:
        """Titles that differ in a number, or only in non-Latin letters, are different papers."""
        assert not dedupe.same_title(a, b)
        assert list(dedupe.similar_titles([draft(a, key="a"), draft(b, key="b")])) == []

    def test_accents_fold_other_scripts_stay(self) -> None:
        """Accents on Latin letters are folded; Chinese and Greek letters are kept, not dropped."""
        assert normalize_title("Müller's ÉCOLE") == normalize_title("Muller's ecole")
        assert normalize_title("王小明") == "王小明"
        assert normalize_title("Γιώργος") == normalize_title("ΓΙΩΡΓΟΣ")
        assert normalize_title("Γιώργος") != ""

    def test_same_numbers_still_match(self) -> None:
        """Punctuation and case aside, titles with the same numbers still match."""
        assert dedupe.same_title("Qwen2.5-VL Technical Report", "qwen 2.5 VL technical report")


class TestIds:
    def test_different_arxiv_ids_are_different_papers(self) -> None:
        """Two papers with different arXiv ids are never duplicates by title."""
        existing = draft("A Study of Token Pruning", key="a", arxiv="2307.09288")
        assert dedupe.why_duplicate(existing, draft("A Study of Token Pruning", arxiv="2407.21783")) is None
        assert dedupe.why_duplicate(existing, draft("A Study of Token Pruning")) == "same title"

    def test_different_dois_are_different_papers(self) -> None:
        """Two papers with different DOIs are never duplicates by title."""
        existing = draft("A Study of Token Pruning", key="a", doi="10.1145/1.2")
        assert dedupe.why_duplicate(existing, draft("A Study of Token Pruning", doi="10.1145/1.3")) is None

    def test_near_identical_is_named_so(self) -> None:
        """A title that is only near-identical is reported as such, not as the same title."""
        existing = draft("Post-Training Quantization for Vision Transformers", key="a")
        reason = dedupe.why_duplicate(existing, draft("Post Training Quantisation for Vision Transformers"))
        assert reason == "near-identical title"


def test_add_llama_3_after_llama_2(cli: Cli, repo: Path) -> None:
    """`evlm add` by hand accepts Llama 3 after Llama 2, and Qwen2.5-VL after Qwen2-VL."""
    for title in (
        "Llama 2: Open Foundation and Fine-Tuned Chat Models",
        "Llama 3: Open Foundation and Fine-Tuned Chat Models",
        "Qwen2-VL: Enhancing Vision-Language Model's Perception of the World at Any Resolution",
        "Qwen2.5-VL: Enhancing Vision-Language Model's Perception of the World at Any Resolution",
    ):
        cli("add", "--title", title, "--section", "token-reduction", "--no-build")
    result = cli("add", "--title", "Llama 2: Open Foundation and Fine Tuned Chat Models.", "-s", "pruning", code=1)
    assert "(near-identical title)" in result.stderr


def test_add_papers_keeps_ten_numbered_titles() -> None:
    """Ten drafts that differ only in their number are all added (none refused as a duplicate of another)."""
    survey = Survey(SurveyInfo(title="t"), (Section(id="s", title="S"),), ())
    drafts = [draft(f"Concurrent Paper Number {i} About Tokens zeta{i}") for i in range(1, 11)]
    result = edit.add_papers(survey, drafts)
    assert result.refused == ()
    assert len(result.added) == 10


def test_check_does_not_flag_different_ids_or_numbers(cli: Cli, tmp_path: Path) -> None:
    """`evlm check` reports exact title duplicates as the same title, and not papers told apart by ids or numbers."""
    path = write_db(
        tmp_path,
        [
            paper("a2023", "Llama 2: Open Foundation Models", arxiv="2307.09288"),
            paper("b2024", "Llama 3: Open Foundation Models", arxiv="2407.21783"),
            paper("c2024", "Token Pruning for Vision Transformers", arxiv="2401.00001"),
            paper("d2024", "Token Pruning for Vision Transformers.", arxiv="2401.00002"),
            paper("e2024", "Token Merging for Vision Transformers"),
            paper("f2024", "token merging for  vision transformers"),
        ],
    )
    out = cli("--db", str(path), "check", "--json", "--ignore", "stale-output").stdout
    assert keys(out, "duplicate-paper") == {"e2024", "f2024"}
    assert all("the same title as" in f["message"] for f in findings(out, "duplicate-paper"))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="ab12 .-é王", min_size=1, max_size=20), min_size=2, max_size=10))
def test_similar_titles_agrees_with_same_title(titles: list[str]) -> None:
    """The fast pair search of `check` finds exactly the pairs `add`'s `same_title` matches."""
    papers = [draft(t, key=f"k{i}") for i, t in enumerate(titles)]
    found = {frozenset((a.key, b.key)) for a, b in dedupe.similar_titles(papers)}
    expected = {
        frozenset((a.key, b.key))
        for i, a in enumerate(papers)
        for b in papers[i + 1 :]
        if dedupe.same_title(a.title, b.title)
    }
    assert found == expected


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.text(alphabet="ab12 .-é王", min_size=1, max_size=20),
            st.sampled_from([None, "2401.00001", "2401.00002"]),
            st.sampled_from([None, "10.1/a", "10.1/b"]),
        ),
        min_size=2,
        max_size=10,
    )
)
def test_index_agrees_with_why_duplicate(records: list[tuple[str, str | None, str | None]]) -> None:
    """`Index.find` (what `add` and `import bibtex` ask) finds a paper exactly when `why_duplicate` names a reason,
    and gives that reason."""
    papers = [draft(t, key=f"k{i}", arxiv=a, doi=d) for i, (t, a, d) in enumerate(records)]
    *existing, candidate = papers
    hit = dedupe.Index(existing).find(candidate)
    reasons = [(p, why) for p in existing if (why := dedupe.why_duplicate(p, candidate)) is not None]
    assert (hit is not None) == bool(reasons)
    if hit is not None:
        assert hit in reasons


class TestYearAndType:
    """The issue-10 rule: same title is a duplicate only with the same year and entry type."""

    TITLE = "Vertex Types in Book-Embeddings"

    def test_same_title_other_year_is_a_possible_duplicate(self) -> None:
        index = dedupe.Index([draft(self.TITLE, key="a", year=1987)])
        later = draft(self.TITLE, key="b", year=1988)
        assert index.find(later) is None
        possible = index.possible(later)
        assert possible is not None and possible.key == "a"

    def test_same_title_other_type_is_a_possible_duplicate(self) -> None:
        index = dedupe.Index([draft(self.TITLE, key="a", year=1987, type="book")])
        assert index.find(draft(self.TITLE, key="b", year=1987, type="article")) is None

    def test_same_title_year_and_type_is_a_duplicate(self) -> None:
        index = dedupe.Index([draft(self.TITLE, key="a", year=1987, type="techreport")])
        found = index.find(draft(self.TITLE, key="b", year=1987, type="techreport"))
        assert found is not None and found[1] == "same title"
        assert index.possible(draft(self.TITLE, key="b", year=1987, type="techreport")) is None

    def test_a_missing_year_does_not_tell_papers_apart(self) -> None:
        """A paper added by hand without a year is still the paper fetched later with one."""
        index = dedupe.Index([draft(self.TITLE, key="a")])
        assert index.find(draft(self.TITLE, key="b", year=1987)) is not None

    def test_import_keeps_both_and_reports(self, cli: Cli, db_path: Path, tmp_path: Path) -> None:
        bib = tmp_path / "years.bib"
        bib.write_text(
            "@techreport{buss87, title={Vertex Types in Book-Embeddings}, author={Buss, J.}, year=1987,"
            " institution={UMass}}\n"
            "@techreport{buss88, title={Vertex Types in Book-Embeddings}, author={Buss, J.}, year=1988,"
            " institution={UMass}}\n"
            "@techreport{again, title={Vertex Types in Book-Embeddings}, author={Buss, J.}, year=1988,"
            " institution={UMass}}\n"
        )
        result = cli("import", "bibtex", str(bib), "--section", "structured", "--keep-keys")
        assert "buss88: possible duplicate of 'buss87' (same title, another year or type); imported" in result.stderr
        assert "skipped 'again': same title as 'buss88'" in result.stderr
        keys = {p.key for p in db.load(db_path).papers}
        assert {"buss87", "buss88"} <= keys and "again" not in keys

    def test_reimporting_a_file_skips_by_key_and_title(self, cli: Cli, db_path: Path, tmp_path: Path) -> None:
        bib = tmp_path / "one.bib"
        bib.write_text("@book{knuth84, title={The {\\TeX}book}, author={Knuth, Donald E.}, year=1984}\n")
        cli("import", "bibtex", str(bib), "--section", "structured", "--keep-keys")
        result = cli("import", "bibtex", str(bib), "--section", "structured", "--keep-keys")
        assert "skipped 'knuth84'" in result.stderr


@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_the_ascii_shortcut_normalises_as_the_general_rule(title: str) -> None:
    from evlm_cli import text

    assert normalize_title(title) == text._normalize_any_title(title)
