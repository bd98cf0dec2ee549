"""evlm search: the query language, the matching rules, ranking, output, and the cached index."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import sqlite3
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ROOT, SHIPPED_DB, Cli
from evlm_cli import db, transaction
from evlm_cli.cachedir import cache_dir
from evlm_cli.model import Paper, Section, Survey, SurveyInfo
from evlm_cli.search import engine, index
from evlm_cli.search.analyze import distance, words
from evlm_cli.search.query import QueryError, Term, YearRange, parse, parse_years

SECTIONS = (
    Section("quantization", "Quantization"),
    Section("ptq", "Post-Training Quantization", parent="quantization"),
    Section("pruning", "Pruning"),
    Section("other", "Other Methods"),
)
PAPERS = (
    Paper(
        "muller2023quantized",
        "Quantized Vision-Language Models",
        "ptq",
        authors=("Jörg Müller",),
        year=2023,
        venue="ICLR",
        abstract="We study low-bit weights.",
    ),
    Paper(
        "lee2022structured",
        "Structured Sparsity at Scale",
        "other",
        authors=("Ana Lee",),
        year=2022,
        venue="NeurIPS",
        abstract="Models are pruned with a structured criterion.",
        tags=("sparsity",),
    ),
    Paper(
        "kim2024title",
        "Quantization for Visionlanguage Transformers",
        "other",
        authors=("Min Kim",),
        year=2024,
        venue="arXiv",
        abstract="A study.",
    ),
    Paper(
        "park2024abstract",
        "Adapters Everywhere",
        "other",
        authors=("Jo Park",),
        year=2024,
        venue="arXiv",
        abstract="We apply quantization to adapters for vision language models.",
    ),
    Paper(
        "ng2021post",
        "Post Training Tricks",
        "pruning",
        authors=("Ng Wu",),
        year=2021,
        venue="ICML",
        abstract="Training after the post office closed.",
        note="pruning baseline",
    ),
)


def small_survey() -> Survey:
    return Survey(info=SurveyInfo(title="Small"), sections=SECTIONS, papers=PAPERS)


@pytest.fixture
def small_db(tmp_path: Path) -> Path:
    path = tmp_path / "papers.toml"
    transaction.create(path, small_survey(), force=True)
    return path


def keys(cli: Cli, db_path: Path, *args: str, code: int = 0) -> list[str]:
    return cli("--db", str(db_path), "search", "--keys", "--all", *args, code=code).stdout.split()


class TestQueryParser:
    def test_words_phrases_prefixes(self) -> None:
        """Plain words, quoted phrases and trailing-star prefixes become terms."""
        query = parse('quant* "post training" pruning')
        assert query.terms == (Term("quant", prefix=True), Term("post training", phrase=True), Term("pruning"))

    def test_fields_and_filters(self) -> None:
        """author:, title:, year:, section: and venue: become field terms and filters."""
        query = parse('author:shinde title:"vision language" year:2022..2024 section:pruning venue:iclr x')
        assert query.terms == (
            Term("shinde", field="authors"),
            Term("vision language", field="title", phrase=True),
            Term("x"),
        )
        assert (query.years, query.section, query.venue) == (YearRange(2022, 2024), "pruning", "iclr")

    def test_unknown_field_is_words(self) -> None:
        """An unknown `name:` prefix is searched as words instead of failing."""
        assert [t.text for t in parse("arxiv:2412.19509").terms] == ["arxiv", "2412.19509"]

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("2024", YearRange(2024, 2024)),
            ("2022..2024", YearRange(2022, 2024)),
            ("2022..", YearRange(2022, None)),
            ("..2024", YearRange(None, 2024)),
            ("2022-2024", YearRange(2022, 2024)),
        ],
    )
    def test_years(self, text: str, expected: YearRange) -> None:
        """Years and inclusive ranges, open at either end."""
        assert parse_years(text) == expected

    @pytest.mark.parametrize("text", ["24", "2024..2022", "soon", ".."])
    def test_bad_years(self, text: str) -> None:
        """A malformed or backwards year range is a QueryError."""
        with pytest.raises(QueryError):
            parse_years(text)

    @settings(max_examples=200, deadline=None)
    @given(st.text())
    def test_parse_never_crashes(self, text: str) -> None:
        """Any text parses (or is refused with a QueryError for a bad year)."""
        with contextlib.suppress(QueryError):
            parse(text)

    @settings(max_examples=100, deadline=None)
    @given(st.text(max_size=40))
    def test_search_never_crashes(self, text: str) -> None:
        """Any query runs against the index: FTS5 syntax errors are impossible (only a query without words fails)."""
        try:
            engine.search(small_survey(), text.replace("year:", ""))
        except QueryError as error:
            assert "no words" in str(error)  # noqa: PT017


class TestAnalyze:
    def test_folding(self) -> None:
        """Words are folded (case, accents) and split at hyphens."""
        assert words("Müller's Vision-Language") == ["muller", "s", "vision", "language"]

    @pytest.mark.parametrize(
        ("a", "b", "expected"), [("quantization", "qunatization", 1), ("prune", "prune", 0), ("abc", "xyz", 3)]
    )
    def test_distance(self, a: str, b: str, expected: int) -> None:
        """Edit distance counts an adjacent swap as one edit, capped at limit + 1."""
        assert distance(a, b, 5) == expected
        assert distance(a, b, 0) == min(expected, 1)

    @settings(max_examples=100, deadline=None)
    @given(st.text("abcde", max_size=8), st.text("abcde", max_size=8))
    def test_distance_symmetric(self, a: str, b: str) -> None:
        """Distance is symmetric and zero only for equal words."""
        assert distance(a, b, 3) == distance(b, a, 3)
        assert (distance(a, b, 3) == 0) == (a == b)


class TestMatchingShipped:
    """The matching rules on the shipped database."""

    def test_section_words(self, cli: Cli) -> None:
        """Every paper under Quantization (and its subsections) matches `quantization`."""
        survey = db.load(SHIPPED_DB)
        under = {p.key for p in survey.papers if p.section in survey.subtree("quantization")}
        found = set(keys(cli, SHIPPED_DB, "quantization"))
        assert under
        assert under <= found

    @pytest.mark.parametrize("query", ["quant*", "quant", "QUANTIZED", "quantizing", "qunatization"])
    def test_stems_prefixes_typos(self, cli: Cli, query: str) -> None:
        """Stems, prefixes, case and a typo all find the same papers as `quantization`."""
        assert keys(cli, SHIPPED_DB, query) == keys(cli, SHIPPED_DB, "quantization")

    def test_pruning_finds_pruned(self, cli: Cli) -> None:
        """`pruned` finds the papers titled with `Pruning`."""
        assert "isomorphic2024pruning" in keys(cli, SHIPPED_DB, "pruned")

    def test_hyphenated_and_joined(self, cli: Cli) -> None:
        """`vision-language` and `visionlanguage` find the same papers."""
        found = keys(cli, SHIPPED_DB, "vision-language")
        assert "multiflow2024shifting" in found
        assert found == keys(cli, SHIPPED_DB, "visionlanguage")

    def test_phrase(self, cli: Cli) -> None:
        """A quoted phrase needs the words together: `"post training"` is narrower than the two words."""
        phrase = set(keys(cli, SHIPPED_DB, '"post training"'))
        assert "billm2024pushing" in phrase
        assert phrase <= set(keys(cli, SHIPPED_DB, "post", "training"))

    def test_filters(self, cli: Cli) -> None:
        """--section, --year ranges and --venue narrow the results, as the field syntax does."""
        found = keys(cli, SHIPPED_DB, "quantization", "--section", "quantization-aware-training", "--year", "2022")
        assert found == ["vit2022fully"]
        assert keys(cli, SHIPPED_DB, "quantization", "section:quantization-aware-training", "year:2022") == found
        assert set(keys(cli, SHIPPED_DB, "--venue", "iclr")) == {
            p.key for p in db.load(SHIPPED_DB).papers if p.venue == "ICLR"
        }
        assert set(keys(cli, SHIPPED_DB, "year:2022..2023")) == {
            p.key for p in db.load(SHIPPED_DB).papers if p.year in (2022, 2023)
        }


class TestMatchingSmall:
    """The matching rules on a small generated database."""

    def test_accents(self, cli: Cli, small_db: Path) -> None:
        """`muller` finds Müller, also as author: and --author."""
        assert keys(cli, small_db, "muller") == ["muller2023quantized"]
        assert keys(cli, small_db, "author:müller") == ["muller2023quantized"]
        assert keys(cli, small_db, "quantized", "--author", "MULLER") == ["muller2023quantized"]

    def test_stemming_both_ways(self, cli: Cli, small_db: Path) -> None:
        """`pruning` finds `pruned` in an abstract, and the papers of the Pruning section."""
        assert set(keys(cli, small_db, "pruning")) == {"lee2022structured", "ng2021post"}

    def test_joined_and_split(self, cli: Cli, small_db: Path) -> None:
        """`vision-language`, `visionlanguage` and `"vision language"` spellings all meet."""
        expected = {"muller2023quantized", "kim2024title", "park2024abstract"}
        assert set(keys(cli, small_db, "vision-language")) == expected
        assert set(keys(cli, small_db, "visionlanguage")) == expected

    def test_phrase_order(self, cli: Cli, small_db: Path) -> None:
        """A phrase needs the words in order; the loose words match more."""
        # The title "Post Training Tricks", and the section path "... > Post-Training Quantization".
        assert set(keys(cli, small_db, '"post training"')) == {"ng2021post", "muller2023quantized"}
        assert keys(cli, small_db, '"training post"', code=1) == []

    def test_typo_threshold(self, cli: Cli, small_db: Path) -> None:
        """A typo is forgiven from 5 letters (one edit) but not in shorter words."""
        assert keys(cli, small_db, "strcutured") == ["lee2022structured"]
        assert keys(cli, small_db, "stdy", code=1) == []

    def test_title_above_abstract(self, cli: Cli, small_db: Path) -> None:
        """A title match ranks above an abstract-only match."""
        found = keys(cli, small_db, "quantization")
        assert found.index("kim2024title") < found.index("park2024abstract")

    def test_note_and_tags(self, cli: Cli, small_db: Path) -> None:
        """Notes and tags are searched, also through their fields."""
        assert "ng2021post" in keys(cli, small_db, "note:baseline")
        assert keys(cli, small_db, "tag:sparsity") == ["lee2022structured"]


class TestLibrary:
    def test_search_with_selection_filters(self) -> None:
        """engine.search takes the `selection.Filters` that list and export use, next to the query text."""
        from evlm_cli.selection import Filters

        hits = engine.search(small_survey(), "quantization", Filters(year=2024))
        assert [hit.key for hit in hits] == ["kim2024title", "park2024abstract"]
        hits = engine.search(small_survey(), "", Filters(section="quantization", keys=("muller2023quantized",)))
        assert [(hit.key, hit.score, hit.matched_fields) for hit in hits] == [("muller2023quantized", 0.0, ())]

    @pytest.mark.parametrize("limit", [1, 5, 30, 99, 100, 101, 200])
    def test_limit_keeps_the_order(self, limit: int) -> None:
        """The first N hits with a limit are the first N of the full ranking, ties in reading order (100 tie)."""
        sections = (Section("a", "Alpha"), Section("b", "Beta"))
        papers = tuple(
            Paper(f"k{i}", "Quantization Study" if i % 3 else "Quantization Study of Models", "ab"[i % 2], abstract="x")
            for i in range(150)
        )
        survey = Survey(info=SurveyInfo(title="Ties"), sections=sections, papers=papers)
        index_ = index.Index.in_memory(survey)
        full = engine.run(index_, parse("quantization"))
        limited = engine.run(index_, parse("quantization"), limit=limit)
        assert limited.hits == full.hits[:limit]
        assert limited.total == full.total == 150
        assert [h.key for h in full.hits[:3]] == ["k2", "k4", "k8"]  # short titles first, ties in reading order

    def test_unknown_key_filter(self) -> None:
        """An unknown key in the filters is a NotFoundError with a did-you-mean."""
        from evlm_cli.errors import NotFoundError
        from evlm_cli.selection import Filters

        with pytest.raises(NotFoundError, match="did you mean"):
            engine.search(small_survey(), "", Filters(keys=("muller2023quantize",)))


class TestOutput:
    def test_table_highlights(self, cli: Cli, small_db: Path) -> None:
        """The table shows rank, key, title, venue, year and section path; stderr counts the matches."""
        result = cli("--db", str(small_db), "search", "quantization")
        assert "kim2024title" in result.stdout
        assert "Quantization" in result.stdout
        assert "3 of 5 papers match" in result.stderr
        assert "\x1b[" not in result.stdout

    def test_json(self, cli: Cli, small_db: Path) -> None:
        """--json gives rank, score and matched fields and terms."""
        rows = json.loads(cli("--db", str(small_db), "search", "quantized", "--json").stdout)
        first = rows[0]
        assert first["rank"] == 1
        assert first["key"] == "muller2023quantized"
        assert "title" in first["matched_fields"]
        assert "quantized" in first["matched_terms"]
        assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)

    def test_limit_and_all(self, cli: Cli, small_db: Path) -> None:
        """--limit caps the list (default 20) and says so; --all shows every match."""
        result = cli("--db", str(small_db), "search", "--keys", "--limit", "1", "quantization")
        assert len(result.stdout.split()) == 1
        assert "--all" in result.stderr
        assert len(keys(cli, small_db, "quantization")) == 3

    def test_nothing_found(self, cli: Cli, small_db: Path) -> None:
        """No match: exit 1, one line, and a did-you-mean from the database's words."""
        result = cli("--db", str(small_db), "search", "quantizashun", code=1)
        assert "no paper matches" in result.stderr
        assert "quantization" in result.stderr

    def test_bad_year(self, cli: Cli, small_db: Path) -> None:
        """A bad --year is a usage error (exit 2) naming the problem."""
        result = cli("--db", str(small_db), "search", "x", "--year", "soon", code=2)
        assert "bad year" in result.stderr

    def test_unknown_section(self, cli: Cli, small_db: Path) -> None:
        """An unknown section id is an error with a did-you-mean."""
        result = cli("--db", str(small_db), "search", "--section", "prunning", code=1)
        assert "'pruning'" in result.stderr


class TestIndexCache:
    def cache_files(self) -> list[Path]:
        return sorted(cache_dir().glob("index-*.sqlite"))

    def test_cache_is_built_and_used(self, cli: Cli, small_db: Path) -> None:
        """The first search leaves a cache file named after the database; later ones read it."""
        keys(cli, small_db, "quantization")
        assert self.cache_files() == [index.cache_file(small_db)]

    def test_outside_edit_rebuilds(self, cli: Cli, small_db: Path) -> None:
        """An outside edit of the TOML (same size, same second) is seen by the next search."""
        assert keys(cli, small_db, "adapters") == ["park2024abstract"]
        text = small_db.read_text(encoding="utf-8")
        small_db.write_text(text.replace("Adapters Everywhere", "Adapters Elsewheres"), encoding="utf-8")
        assert len(small_db.read_text(encoding="utf-8")) == len(text)
        assert keys(cli, small_db, "elsewheres") == ["park2024abstract"]
        assert keys(cli, small_db, "everywhere", code=1) == []

    def test_settled_file_is_trusted_by_stat(self, cli: Cli, small_db: Path) -> None:
        """Once a database is older than the racy window, its (mtime, size) alone proves the cache fresh."""
        past = small_db.stat().st_mtime - 60
        os.utime(small_db, (past, past))
        keys(cli, small_db, "quantization")
        meta = dict(sqlite3.connect(index.cache_file(small_db)).execute("SELECT name, value FROM meta").fetchall())
        assert meta["racy"] == "0"
        assert meta["mtime_ns"] == str(small_db.stat().st_mtime_ns)

    def test_write_refreshes(self, small_db: Path) -> None:
        """evlm's own writes update the cache (in place), so the next search is warm and current."""
        inode = index.cache_file(small_db).stat().st_ino
        transaction.write(
            small_db,
            lambda s: Survey(s.info, s.sections, (*s.papers, Paper("new2024x", "Zebra", "pruning"))),
            rebuild=False,
        )
        assert index.cache_file(small_db).stat().st_ino == inode
        assert engine.search_path(small_db, "zebra").hits == engine.search(db.load(small_db), "zebra")
        conn = sqlite3.connect(index.cache_file(small_db))
        meta = dict(conn.execute("SELECT name, value FROM meta").fetchall())
        assert meta["sha256"] == hashlib.sha256(small_db.read_bytes()).hexdigest()
        assert conn.execute("SELECT citekey FROM docs WHERE citekey = 'new2024x'").fetchone() is not None

    def test_deleted_cache(self, cli: Cli, small_db: Path) -> None:
        """A deleted cache gives the same results."""
        before = cli("--db", str(small_db), "search", "quantization", "--json").stdout
        index.cache_file(small_db).unlink()
        assert cli("--db", str(small_db), "search", "quantization", "--json").stdout == before

    def test_corrupt_cache(self, cli: Cli, small_db: Path) -> None:
        """A corrupt cache file gives the same results, without a traceback, and is replaced."""
        before = cli("--db", str(small_db), "search", "quantization", "--json").stdout
        index.cache_file(small_db).write_bytes(b"this is not a database" * 100)
        result = cli("--db", str(small_db), "search", "quantization", "--json")
        assert result.stdout == before
        assert result.stderr.count("Traceback") == 0
        assert index.cache_file(small_db).read_bytes().startswith(b"SQLite format 3")

    def test_damaged_cache(self, cli: Cli, small_db: Path) -> None:
        """A cache damaged after its header (its tables unreadable) is rebuilt: same results for every command."""
        before = cli("--db", str(small_db), "search", "quantization", "--json").stdout
        listing = cli("--db", str(small_db), "list", "--json").stdout
        path = index.cache_file(small_db)
        data = bytearray(path.read_bytes())
        data[4096:] = b"\xff" * (len(data) - 4096)
        path.write_bytes(bytes(data))
        assert cli("--db", str(small_db), "search", "quantization", "--json").stdout == before
        path.write_bytes(bytes(data))
        assert cli("--db", str(small_db), "list", "--json").stdout == listing
        path.write_bytes(bytes(data))
        assert "Quantization" in cli("--db", str(small_db), "show", "muller2023quantized").stdout

    def test_failure_midway(self, cli: Cli, small_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """A cache that opens but fails mid-query is dropped and the in-memory index answers the same."""
        before = cli("--db", str(small_db), "search", "quantization", "--json").stdout
        count = index.Index.count

        def failing(self: index.Index) -> int:
            if self.cached:
                raise sqlite3.DatabaseError("database disk image is malformed")
            return count(self)

        monkeypatch.setattr(index.Index, "count", failing)
        assert cli("--db", str(small_db), "search", "quantization", "--json").stdout == before
        assert not index.cache_file(small_db).exists()

    def test_unwritable_cache(self, cli: Cli, small_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """When the cache folder cannot be created, the in-memory index gives the same results."""
        before = cli("--db", str(small_db), "search", "quantization", "--json").stdout
        blocker = tmp_path / "not-a-folder"
        blocker.write_text("x", encoding="utf-8")
        monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
        assert cli("--db", str(small_db), "search", "quantization", "--json").stdout == before
        assert cli("--db", str(small_db), "list", "--json").stdout.count('"key"') == 5

    @pytest.mark.parametrize("query", ["quantization", "vision-language", "qunatization", "author:muller", "year:2024"])
    def test_memory_equals_cache(self, small_db: Path, query: str) -> None:
        """The in-memory fallback and the cache file rank identically."""
        assert engine.search_path(small_db, query).hits == engine.search(small_survey(), query)

    def test_invalid_database(self, cli: Cli, tmp_path: Path) -> None:
        """A broken TOML is reported as by every command, not as a cache problem."""
        broken = tmp_path / "papers.toml"
        broken.write_text("schema = [", encoding="utf-8")
        result = cli("--db", str(broken), "search", "x", code=1)
        assert "TOML syntax error" in result.stderr


class TestIncremental:
    """An outside edit of a few papers updates the cache in place, with the results of a full rebuild."""

    QUERIES = ("quantization", "vision-language", "zebra", "year:2020..2030", "qunatization", "pruning")

    def check(self, cli: Cli, db_path: Path) -> None:
        survey = db.load(db_path)
        for query in self.QUERIES:
            assert engine.search_path(db_path, query).hits == engine.search(survey, query), query
        expected = json.dumps([db.paper_json(p) for p in survey.in_reading_order()], ensure_ascii=False, indent=2)
        assert cli("--db", str(db_path), "list", "--json").stdout == expected + "\n"

    def edit(self, db_path: Path, old: str, new: str) -> int:
        """Edit the TOML text; return the inode of the cache file after the next search (same inode: in place)."""
        text = db_path.read_text(encoding="utf-8")
        assert old in text
        db_path.write_text(text.replace(old, new, 1), encoding="utf-8")
        engine.search_path(db_path, "x")
        return index.cache_file(db_path).stat().st_ino

    def test_edits(self, cli: Cli, small_db: Path) -> None:
        """Changing, adding, moving and deleting papers by hand keeps every answer equal to a rebuild."""
        engine.search_path(small_db, "x")
        inode = index.cache_file(small_db).stat().st_ino
        self.check(cli, small_db)
        assert self.edit(small_db, "Adapters Everywhere", "Zebra Adapters") == inode
        self.check(cli, small_db)
        added = '[[papers]]\nkey = "zebra2025new"\ntitle = "Zebra Quantization"\nsection = "ptq"\nauthors = []\n\n'
        assert self.edit(small_db, "[[papers]]\n", added + "[[papers]]\n") == inode
        self.check(cli, small_db)
        assert self.edit(small_db, 'section = "other"', 'section = "quantization"') == inode  # moves a paper
        self.check(cli, small_db)
        text = small_db.read_text(encoding="utf-8")
        start = text.index('[[papers]]\nkey = "ng2021post"')
        end = text.find("[[papers]]", start + 1)
        assert self.edit(small_db, text[start : end if end > 0 else None], "") == inode  # deletes one
        self.check(cli, small_db)
        assert "ng2021post" not in keys(cli, small_db, "post")

    def test_papers_with_provenance_tables_are_updated_in_place(self, cli: Cli, small_db: Path) -> None:
        """A paper's own sub-tables (`[papers.provenance.title]`, which `evlm add` and `edit` write) keep the file in
        the per-paper form: an edit next to them is applied in place, not by rebuilding the whole index."""
        cli("--db", str(small_db), "edit", "kim2024title", "--set", "title=Zebra Titles")
        assert "[papers.provenance.title]" in small_db.read_text(encoding="utf-8")
        engine.search_path(small_db, "x")
        inode = index.cache_file(small_db).stat().st_ino
        assert self.edit(small_db, "Adapters Everywhere", "Yak Adapters") == inode
        self.check(cli, small_db)
        assert self.edit(small_db, 'title = "Zebra Titles"', 'title = "Zebra Headings"') == inode
        self.check(cli, small_db)

    def test_errors_fall_back(self, cli: Cli, small_db: Path) -> None:
        """A bad edit (unknown section, duplicate key, header change) is reported as a full parse reports it."""
        engine.search_path(small_db, "x")
        text = small_db.read_text(encoding="utf-8")
        small_db.write_text(text.replace('section = "other"', 'section = "nowhere"', 1), encoding="utf-8")
        assert "unknown section 'nowhere'" in cli("--db", str(small_db), "search", "x", code=1).stderr
        small_db.write_text(text.replace('key = "kim2024title"', 'key = "lee2022structured"'), encoding="utf-8")
        assert "duplicate key" in cli("--db", str(small_db), "search", "x", code=1).stderr
        small_db.write_text(text.replace('title = "Small"', 'title = "Renamed"'), encoding="utf-8")
        self.check(cli, small_db)


class TestList:
    def test_json_unchanged(self, cli: Cli, repo: Path) -> None:
        """`list --json` prints exactly the papers' JSON, in reading order."""
        survey = db.load(repo / "data" / "papers.toml")
        expected = json.dumps([db.paper_json(p) for p in survey.in_reading_order()], ensure_ascii=False, indent=2)
        assert cli("list", "--json").stdout == expected + "\n"

    def test_empty_json(self, cli: Cli, repo: Path) -> None:
        """No paper selected gives an empty JSON array."""
        assert json.loads(cli("list", "--json", "--year", "1999").stdout) == []

    def test_filters(self, cli: Cli, small_db: Path) -> None:
        """list takes year ranges, --author and --section (with subsections)."""
        rows = json.loads(cli("--db", str(small_db), "list", "--json", "--year", "2022..2023").stdout)
        assert [r["key"] for r in rows] == ["muller2023quantized", "lee2022structured"]
        rows = json.loads(cli("--db", str(small_db), "list", "--json", "--section", "quantization").stdout)
        assert [r["key"] for r in rows] == ["muller2023quantized"]
        rows = json.loads(cli("--db", str(small_db), "list", "--json", "--author", "muller").stdout)
        assert [r["key"] for r in rows] == ["muller2023quantized"]

    def test_show(self, cli: Cli, small_db: Path) -> None:
        """show answers from the index, with the section path."""
        result = cli("--db", str(small_db), "show", "muller2023quantized")
        assert "Quantization > Post-Training Quantization" in result.stdout
        assert "did you mean" in cli("--db", str(small_db), "show", "muller2023quantize", code=1).stderr


class TestPaperJson:
    def test_fast_json_matches_json_dumps(self) -> None:
        """The index's hand-rolled JSON formatting equals json.dumps(indent=2) on the shipped and small surveys."""
        for survey in (db.load(SHIPPED_DB), small_survey()):
            for paper in survey.papers:
                expected = json.dumps(db.paper_json(paper), ensure_ascii=False, indent=2)
                assert index.paper_json_text(paper) == expected

    @settings(max_examples=100, deadline=None)
    @given(st.text(), st.lists(st.text(), max_size=3), st.none() | st.integers(1900, 2100))
    def test_fast_json_any_text(self, title: str, authors: list[str], year: int | None) -> None:
        """Any text (quotes, control characters, non-ASCII) is formatted as json.dumps does."""
        paper = Paper("k", title or "t", "s", authors=tuple(authors), year=year, note=title)
        expected = json.dumps(db.paper_json(paper), ensure_ascii=False, indent=2)
        assert index.paper_json_text(paper) == expected


class TestFastLane:
    def test_parser(self) -> None:
        """The fast lane parses plain searches and leaves anything unusual to Typer."""
        from evlm_cli.cli._params import parse, parse_root
        from evlm_cli.cli.search_cmd import search

        assert parse_root(["--db", "x.toml", "search", "a"]) == (Path("x.toml"), ["search", "a"])
        assert parse_root(["--db", "", "search", "a"]) is None
        assert parse_root(["-h"]) is None
        values = parse(search, ["a", "-n", "3", "--year=2024", "--json", "--", "-b"])
        assert values is not None
        assert (values["words"], values["limit"], values["year"]) == (["a", "-b"], 3, "2024")
        assert values["json_output"] is True
        assert (values["section"], values["author"], values["show_all"]) == (None, None, False)
        for unusual in (["--help"], ["-h"], ["--limit", "0"], ["-n5"], ["--year", "soon"], ["--json=1"], ["-s"]):
            assert parse(search, unusual) is None, unusual

    def test_same_output_as_typer(self, cli: Cli, small_db: Path) -> None:
        """A real `evlm search` process (fast lane) prints what the Typer command prints."""
        argv = ["--db", str(small_db), "search", "quantization", "--json"]
        process = subprocess.run([sys.executable, "-m", "evlm_cli", *argv], capture_output=True, text=True, check=True)
        assert process.stdout == cli(*argv).stdout
        missing = subprocess.run(
            [sys.executable, "-m", "evlm_cli", "--db", str(small_db), "search", "zzzzzz"],
            capture_output=True,
            text=True,
        )
        assert missing.returncode == 1
        assert "no paper matches" in missing.stderr
        assert "Traceback" not in missing.stderr

    def test_warm_search_imports(self, small_db: Path) -> None:
        """A warm search in the fast lane imports neither Typer nor the TOML reader."""
        code = (
            "import sys; from evlm_cli.launcher import main; sys.argv = ['evlm', '--db', sys.argv[1], 'search', 'x']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('typer', 'pydantic', 'tomllib', 'evlm_cli.db') if m in sys.modules))"
        )
        subprocess.run([sys.executable, "-m", "evlm_cli", "--db", str(small_db), "search", "x"], check=False)
        process = subprocess.run(
            [sys.executable, "-c", code, str(small_db)], capture_output=True, text=True, check=False
        )
        assert process.stdout.strip().endswith("[]"), process.stdout + process.stderr

    def test_version(self) -> None:
        """`evlm --version` answers without importing Typer."""
        code = "import sys, runpy; sys.argv=['evlm','--version']; from evlm_cli.launcher import main; main(); "
        code += "assert 'typer' not in sys.modules and 'rich' not in sys.modules"
        process = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        assert process.stdout.startswith("evlm ")


class TestQueryRobustness:
    @pytest.mark.parametrize("query", ["key:muller2023quantized", "key:mull*", "KEY:muller2023quantized"])
    def test_key_field(self, cli: Cli, small_db: Path, query: str) -> None:
        """`key:` matches the citation key, whole or as a prefix."""
        assert keys(cli, small_db, query) == ["muller2023quantized"]

    def test_key_field_without_cache(self, cli: Cli, small_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """`key:` works on the in-memory index too (no usable cache folder)."""
        monkeypatch.setenv("XDG_CACHE_HOME", "/dev/null")
        assert keys(cli, small_db, "key:mull*") == ["muller2023quantized"]

    def test_sqlite_error_is_query_error(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """An SQLite error while running a query on the in-memory index becomes a clean QueryError."""

        def broken(*_args: object, **_kwargs: object) -> None:
            raise sqlite3.OperationalError("no such column: nope")

        monkeypatch.setattr(engine, "_term", broken)
        with pytest.raises(QueryError, match="cannot search for 'quantization': no such column"):
            engine.search(small_survey(), "quantization")

    @settings(max_examples=150, deadline=None)
    @given(st.text(alphabet=st.characters(codec="utf-8"), max_size=40))
    def test_any_query_is_clean(self, text: str) -> None:
        """Arbitrary query text never raises anything but an EvlmError (QueryError, NotFoundError)."""
        from evlm_cli.errors import EvlmError

        with contextlib.suppress(EvlmError):
            engine.search(small_survey(), text)


def tier_survey() -> Survey:
    sections = (Section("methods", "Methods"), Section("merging", "Token Merging"))
    papers = (
        Paper("abs2024", "Efficient Models", "methods", abstract=" ".join(["token"] * 30) + " everywhere."),
        Paper("note2024", "Fast Inference", "methods", abstract="A study of speed.", note="token budget"),
        Paper("sec2024", "Faster Encoders", "merging", abstract="Encoders made fast."),
        Paper("title2024", "Token Pruning for Long Videos of Many Frames", "methods", abstract="A study."),
    )
    return Survey(info=SurveyInfo(title="Tiers"), sections=sections, papers=papers)


class TestTiers:
    def test_best_field_decides(self) -> None:
        """Title above section above note above abstract, however often the abstract repeats the word."""
        assert [hit.key for hit in engine.search(tier_survey(), "token")] == [
            "title2024",
            "sec2024",
            "note2024",
            "abs2024",
        ]

    def test_tiers_with_filters_and_limit(self) -> None:
        """The filtered and the limited paths rank by tier too."""
        survey = tier_survey()
        assert [h.key for h in engine.search(survey, "token", limit=1)] == ["title2024"]
        assert [h.key for h in engine.search(survey, "token section:methods")] == ["title2024", "note2024", "abs2024"]

    def test_scores_fall(self) -> None:
        """Scores fall with the ranking: a higher tier has a higher score."""
        scores = [hit.score for hit in engine.search(tier_survey(), "token")]
        assert scores == sorted(scores, reverse=True)
        assert len(set(scores)) == len(scores)


class TestNoWords:
    @pytest.mark.parametrize("query", ["量化模型", "🤖", "*", ":", '"', "[/]", "🤖 year:2024"])
    def test_no_searchable_words(self, cli: Cli, small_db: Path, query: str) -> None:
        """A query without a word to search for matches nothing and says why, instead of listing every paper."""
        result = cli("--db", str(small_db), "search", query, code=1)
        assert "the query has no words evlm can search for" in result.stderr or "no paper matches" in result.stderr
        assert result.stdout == ""

    @pytest.mark.parametrize("query", ["🤖", "*", ":", '"', "[/]"])
    def test_message(self, query: str) -> None:
        """The library raises a QueryError naming the problem."""
        with pytest.raises(QueryError, match="no words evlm can search for"):
            engine.search(small_survey(), query)

    def test_filters_alone_still_list(self, cli: Cli, small_db: Path) -> None:
        """Filters without words list the filtered papers, as the option or in the query text."""
        expected = ["kim2024title", "park2024abstract"]
        assert keys(cli, small_db, "--year", "2024") == expected
        assert keys(cli, small_db, "year:2024") == expected

    def test_cjk_words(self) -> None:
        """Words in scripts without an ASCII form (CJK, Cyrillic) are searchable."""
        papers = (*PAPERS, Paper("wang2024cjk", "量化 视觉语言模型", "other", abstract="Квантование моделей."))
        survey = Survey(info=SurveyInfo(title="Small"), sections=SECTIONS, papers=papers)
        assert [h.key for h in engine.search(survey, "量化")] == ["wang2024cjk"]
        assert [h.key for h in engine.search(survey, "视觉*")] == ["wang2024cjk"]
        assert [h.key for h in engine.search(survey, "квантование")] == ["wang2024cjk"]
        assert words("Müller 量化-模型 🤖") == ["muller", "量化", "模型"]


FOLDED = (
    Paper("j2024sparse", "Sparse Ærø Models", "other", authors=("Jürgen Straße",), year=2024),
    Paper("liga2024", "ﬁsh ﬂow Quantization", "other", year=2024),
    Paper("half2024", "½-Bit Weights and x² Scaling", "other", venue="ICLR", year=2024),
)
"""Text the FTS5 tokenizer alone folds differently from a query: `ß`, ligatures, `½`, superscripts."""
_ALPHABET = st.sampled_from(
    [
        chr(c)
        for start, end in [
            *[(0x20, 0x7F), (0xC0, 0x250), (0x388, 0x3CF), (0x400, 0x482)],  # Latin, Greek, Cyrillic
            *[(0xFB00, 0xFB07), (0x2070, 0x208F), (0x2150, 0x2183)],  # ligatures, super/subscripts, number forms
        ]
        for c in range(start, end)
        if unicodedata.category(chr(c)) != "Cn"  # unassigned
    ]
    + list("ßẞſǅǈǋǲİıŉµ二三量化模型한국어")
)
"""Latin, Greek and Cyrillic letters, ligatures, super- and subscripts, fractions and Roman numerals, special
case foldings and a few CJK and Hangul: what SQLite's tokenizer (Unicode 6.1) and Python agree are letters."""


class TestFolding:
    """The index and the query fold text the same way (NFKD, accents dropped, case folded): a word is found however
    it is typed, as the site finds it."""

    @pytest.mark.parametrize(
        ("query", "key"),
        [
            ("straße", "j2024sparse"),
            ("strasse", "j2024sparse"),
            ("STRASSE", "j2024sparse"),
            ("author:Strasse", "j2024sparse"),
            ("ærø", "j2024sparse"),
            ("ÆRØ", "j2024sparse"),
            ("fish", "liga2024"),
            ("ﬁsh", "liga2024"),
            ("flow", "liga2024"),
            ("½", "half2024"),
            ("1/2-bit", "half2024"),
            ("x2", "half2024"),
            ("x²", "half2024"),
        ],
    )
    def test_found_as_typed_or_folded(self, cli: Cli, tmp_path: Path, query: str, key: str) -> None:
        path = tmp_path / "papers.toml"
        transaction.create(path, Survey(SurveyInfo("S"), SECTIONS, (*PAPERS, *FOLDED)), force=True)
        assert keys(cli, path, query) == [key]

    def test_an_edit_applied_in_place_is_folded_too(self, cli: Cli, tmp_path: Path) -> None:
        """The cache updated in place (`incremental`) folds the new text as a rebuild does; `list --author` too."""
        path = tmp_path / "papers.toml"
        transaction.create(path, Survey(SurveyInfo("S"), SECTIONS, (*PAPERS, *FOLDED)), force=True)
        engine.search_path(path, "x")
        inode = index.cache_file(path).stat().st_ino
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("ﬁsh ﬂow Quantization", "Weiße ﬁsh"), encoding="utf-8")
        assert keys(cli, path, "weisse") == ["liga2024"] and index.cache_file(path).stat().st_ino == inode
        keys(cli, path, "flow", code=1)
        survey = db.load(path)
        for query in ("weiße", "fish", "½", "x2", "author:strasse"):
            assert engine.search_path(path, query).hits == engine.search(survey, query), query
        rows = json.loads(cli("--db", str(path), "list", "--json", "--author", "strasse").stdout)
        assert [row["key"] for row in rows] == ["j2024sparse"]

    def test_did_you_mean_suggests_the_folded_word(self, cli: Cli, tmp_path: Path) -> None:
        """The vocabulary holds the folded words: `strasxy` is 2 edits from `strasse`, which finds the paper."""
        path = tmp_path / "papers.toml"
        transaction.create(path, Survey(SurveyInfo("S"), SECTIONS, (*PAPERS, *FOLDED)), force=True)
        assert "did you mean 'strasse'?" in cli("--db", str(path), "search", "strasxy", code=1).stderr

    def test_title_marks_point_into_the_title_as_written(self) -> None:
        """`fish` matches `ﬁsh` (3 characters): the highlight covers the title's characters, not the folded ones."""
        survey = Survey(SurveyInfo("S"), SECTIONS, FOLDED)
        (hit,) = engine.search(survey, "fish flow")
        assert [hit.title[a:b] for a, b in hit.title_marks] == ["ﬁsh", "ﬂow"]
        (hit,) = engine.search(survey, "strasse")
        assert hit.title_marks == () and "authors" in hit.matched_fields
        (hit,) = engine.search(survey, "x2")
        assert [hit.title[a:b] for a, b in hit.title_marks] == ["x²"]

    @settings(max_examples=60, deadline=None)
    @given(st.text(_ALPHABET, min_size=1, max_size=30).filter(lambda t: words(t) and t.strip() == t))
    def test_every_word_of_a_title_is_indexed_as_words_gives_it(self, title: str) -> None:
        """The index's vocabulary of a title is exactly `words(title)` (what a query for it looks up), the title
        is found by each of them, and folding twice changes nothing."""
        survey = Survey(SurveyInfo("S"), (Section("s", "S"),), (Paper("p2024", title, "s"),))
        idx = index.Index.in_memory(survey)
        vocabulary = {row[0] for row in idx.conn.execute("SELECT term FROM vocab")}
        assert vocabulary == {*words(title), "s"}  # and the section's title
        for word in sorted(vocabulary)[:5]:
            assert [hit.key for hit in engine.run(idx, parse(f'"{word}"')).hits] == ["p2024"], word

    @given(st.text())
    def test_folding_is_idempotent(self, text: str) -> None:
        from evlm_cli.search.analyze import fold

        assert fold(fold(text)) == fold(text)
        assert words(" ".join(words(text))) == words(text)


class TestInconsistentCache:
    @pytest.mark.parametrize(
        "damage",
        [
            "DELETE FROM docs WHERE rowid = 3",
            "INSERT INTO fts(fts) VALUES ('delete-all')",
        ],
    )
    def test_falls_back_and_rebuilds(self, cli: Cli, small_db: Path, damage: str) -> None:
        """A cache whose tables disagree gives the right answer (no traceback) and is rebuilt."""
        expected = keys(cli, small_db, "quantization")
        target = index.cache_file(small_db)
        conn = sqlite3.connect(target)
        conn.execute(damage)
        conn.commit()
        conn.close()
        assert keys(cli, small_db, "quantization") == expected
        assert keys(cli, small_db, "a*") == [h.key for h in engine.search(small_survey(), "a*", limit=None)]
        with contextlib.closing(sqlite3.connect(target)) as conn:
            docs, sized = conn.execute(
                "SELECT (SELECT count(*) FROM docs), (SELECT count(*) FROM fts_docsize)"
            ).fetchone()
        assert docs == sized == len(PAPERS)


class TestSuggestions:
    def survey(self) -> Survey:
        papers = (
            Paper("a2024tokens", "Tokens to Spare", "other", abstract="Fewer tokens than before, on time."),
            Paper("b2024than", "Less Than More", "other", abstract="It is on."),
        )
        return Survey(info=SurveyInfo(title="S"), sections=SECTIONS, papers=papers)

    def test_no_stop_words_or_short_words(self) -> None:
        """Did-you-mean offers real words of 3+ letters, not `to`, `on` or `than`."""
        result = engine.run(index.Index.in_memory(self.survey()), parse("tokn"))
        assert result.total == 0
        assert result.suggestions == ("tokens",)

    def test_only_words_that_match(self) -> None:
        """A vocabulary word that no longer matches any paper is not suggested."""
        idx = index.Index.in_memory(self.survey())
        idx.conn.execute("INSERT INTO vocab VALUES ('tokes', 9)")
        assert engine.run(idx, parse("tokn")).suggestions == ("tokens",)

    def test_cli_hint(self, cli: Cli, tmp_path: Path) -> None:
        """The CLI shows the suggestion in its one-line error."""
        path = tmp_path / "papers.toml"
        transaction.create(path, self.survey(), force=True)
        result = cli("--db", str(path), "search", "tokn", code=1)
        assert "did you mean 'tokens'?" in result.stderr


class TestNoEmoji:
    def test_messages_keep_colons(self, cli: Cli, small_db: Path) -> None:
        """`:name:` in a query is printed as typed, not as an emoji."""
        assert "'a:b:c'" in cli("--db", str(small_db), "search", "a:b:c", code=1).stderr
        assert "':thumbs_up:'" in cli("--db", str(small_db), "search", ":thumbs_up:", code=1).stderr

    def test_table_keeps_database_text(self, cli: Cli, tmp_path: Path) -> None:
        """Titles, venues and keys are printed as stored: no emoji codes, no rich markup."""
        paper = Paper("a2024smile", "Smiles :thumbs_up: [bold]x[/bold]", "other", venue=":smile: [red]", year=2024)
        path = tmp_path / "papers.toml"
        transaction.create(path, Survey(info=SurveyInfo(title="S"), sections=SECTIONS, papers=(paper,)), force=True)
        out = cli("--db", str(path), "search", "smiles").stdout
        assert ":thumbs_up:" in out
        assert "[bold]x[/bold]" in out
        assert ":smile: [red]" in out


def test_no_match_messages_stay_short(cli: Cli, repo: Path) -> None:
    """A miss by filters alone says so, and a pasted long query is not echoed whole."""
    assert "no paper passes 'year:1999'" in cli("search", "--year", "1999", code=1).stderr
    result = cli("search", "zzzzqqqq " * 500, code=1)
    assert len(result.stderr) < 300


class TestNarrowTerminal:
    def test_80_columns(self, repo: Path) -> None:
        """At 80 columns each hit takes 2 or 3 lines and its title gets the width (a real process, fast lane)."""

        def run(*args: str) -> str:
            command = [sys.executable, "-m", "evlm_cli", "search", "quantization", *args]
            env = {**os.environ, "COLUMNS": "80"}
            return subprocess.run(command, capture_output=True, text=True, check=True, env=env).stdout

        hits = json.loads(run("--json"))
        lines = run().splitlines()
        assert max(len(line.rstrip()) for line in lines) <= 80
        firsts = [number for number, line in enumerate(lines) if re.match(r"\s*\d+\. ", line)]
        assert len(firsts) == len(hits) == 13
        for hit, begin, end in zip(hits, firsts, [*firsts[1:], len(lines)], strict=True):
            assert 2 <= end - begin <= 3, lines[begin:end]
            text = " ".join(line.strip() for line in lines[begin:end]).partition(". ")[2]
            assert text.startswith(hit["title"]), (hit["title"], text)
            assert hit["key"] in lines[end - 1]


class TestFilterMisses:
    @pytest.mark.parametrize(
        ("args", "filters"),
        [
            (["quantization", "author:shinde", "--year", "2022..2024"], "year:2022..2024 author:shinde"),
            (["quantization", "--year", "2030"], "year:2030"),
            (["quantization", "year:2030"], "year:2030"),
            (["quantization", "--author", "nobody"], "author:nobody"),
            (["quantization", "--venue", "cvpr"], "venue:cvpr"),
            (["quantization", "--section", "pruning"], "section:pruning"),
        ],
    )
    def test_the_filter_removed_every_match(self, cli: Cli, repo: Path, args: list[str], filters: str) -> None:
        """When the words match but a filter removes them all, the message says so, naming the filters."""
        stderr = cli("search", *args, code=1).stderr
        assert f"13 papers match 'quantization', but none passes '{filters}'" in stderr
        assert "did you mean" not in stderr

    def test_the_words_match_nothing(self, cli: Cli, repo: Path) -> None:
        """When the words themselves match nothing, the filters are not blamed."""
        stderr = cli("search", "zebra", "--year", "2024", code=1).stderr
        assert "no paper matches 'zebra'" in stderr and "passes" not in stderr

    def test_one_paper(self, cli: Cli, small_db: Path) -> None:
        """One match is `1 paper matches`."""
        stderr = cli("--db", str(small_db), "search", "adapters", "--year", "2020", code=1).stderr
        assert "1 paper matches 'adapters', but none passes 'year:2020'" in stderr


def _search_examples() -> list[str]:
    """Every `evlm search` command in the README's code blocks and search table, and in every --help text."""
    import shlex

    import typer.main

    from evlm_cli.cli import app

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found: list[str] = []
    for block in re.findall(r"```sh\n(.*?)```", readme, flags=re.DOTALL):
        for line in block.splitlines():
            words = shlex.split(line, comments=True)
            while "evlm" in words:
                words = words[words.index("evlm") :]
                end = words.index("&&") if "&&" in words else len(words)
                if words[1:2] == ["search"]:
                    found.append(shlex.join(words[:end]))
                words = words[end:]
    table = readme[readme.index("| you type | it finds |") :].split("\n\n")[0]
    for row in table.splitlines()[2:]:
        found += [f"evlm search {example}" for example in re.findall(r"`([^`]+)`", row.split("|")[1])]
    root = typer.main.get_command(app)
    context = root.make_context("evlm", ["--help"], resilient_parsing=True)
    for name in root.list_commands(context):  # type: ignore[attr-defined]
        command = root.get_command(context, name)  # type: ignore[attr-defined]
        texts = [command.help or "", *(getattr(param, "help", "") or "" for param in command.params)]
        found += [match for text in texts for match in re.findall(r"evlm search [^\n]+", text)]
        found += [f"evlm search {query}" for text in texts for query in re.findall(r"\(e\.g\. '([^']+)'\)", text)]
    return found


SEARCH_EXAMPLES = _search_examples()


def test_examples_are_found() -> None:
    """The walk finds the README's and the help's examples (so the test below cannot pass vacuously)."""
    assert "evlm search quantization" in SEARCH_EXAMPLES
    assert any("--year" in example for example in SEARCH_EXAMPLES)
    assert len(SEARCH_EXAMPLES) >= 10


@pytest.mark.parametrize("example", SEARCH_EXAMPLES)
def test_search_examples_find_papers(cli: Cli, example: str) -> None:
    """Every search example of the README and of --help finds at least one paper on the shipped survey."""
    import shlex

    args = shlex.split(example)[2:]
    assert cli("--db", str(SHIPPED_DB), "search", "--keys", *args).stdout.split(), example
