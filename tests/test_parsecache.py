"""The parsed-database cache: a faster read of a database seen before, never a different answer."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from evlm_cli import db, parsecache, transaction
from evlm_cli.cachedir import cache_dir
from evlm_cli.errors import DatabaseError
from evlm_cli.model import Paper


@pytest.fixture(autouse=True)
def _always_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cache even the small shipped database, and forget this process's last parse between steps."""
    monkeypatch.setattr(parsecache, "MIN_SIZE", 0)
    monkeypatch.setattr(db, "_last_valid", [])


def _files() -> list[Path]:
    return sorted((cache_dir() / "parsed").glob("*.pickle"))


class TestParseCache:
    def test_second_read_comes_from_the_cache(self, db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """A database read once is read again without parsing, and gives the same survey."""
        first = db.load(db_path)
        assert len(_files()) == 1
        db._last_valid.clear()
        monkeypatch.setattr(db, "check_text", lambda *a, **k: pytest.fail("parsed again"))
        assert db.load(db_path) == first

    def test_an_edit_is_a_miss(self, db_path: Path) -> None:
        """Any change of the text is parsed afresh (the cache is keyed by the exact text)."""
        db.load(db_path)
        db._last_valid.clear()
        db_path.write_text(db_path.read_text(encoding="utf-8").replace('title = "M2IST"', 'title = "M3"'), "utf-8")
        assert db.load(db_path).paper("m2ist2024").title == "M3"

    def test_an_invalid_edit_is_still_an_error(self, db_path: Path) -> None:
        """The cache never hides a schema error: an invalid text is never stored."""
        db.load(db_path)
        db._last_valid.clear()
        db_path.write_text(db_path.read_text(encoding="utf-8").replace("year = 2024", "year = 2204", 1), "utf-8")
        with pytest.raises(DatabaseError, match="impossible"):
            db.load(db_path)

    @pytest.mark.parametrize("damage", [b"", b"garbage", b"evlm 0.0.1 pickle 5\n\x80\x05K\x01."])
    def test_damaged_cache_is_ignored(self, db_path: Path, damage: bytes) -> None:
        """A damaged, foreign or outdated cache file is ignored, and the database parsed."""
        expected = db.load(db_path)
        (cache_file,) = _files()
        cache_file.write_bytes(damage)
        db._last_valid.clear()
        assert db.load(db_path) == expected

    def test_unwritable_cache_is_ignored(self, db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """A cache folder that cannot be created costs nothing but speed."""
        monkeypatch.setenv("XDG_CACHE_HOME", "/dev/null")
        assert db.load(db_path).paper("m2ist2024").title == "M2IST"

    def test_evlm_writes_are_marked_canonical(self, db_path: Path) -> None:
        """A text evlm wrote is known canonical (so its unchanged papers' text can be reused); a read is not."""
        survey = db.load(db_path)
        text = db_path.read_text(encoding="utf-8")
        assert parsecache.get(text) == (survey, False)
        changed = replace(survey, papers=survey.papers[1:])
        transaction.create(db_path, changed, force=True)
        assert parsecache.get(db_path.read_text(encoding="utf-8")) == (changed, True)

    def test_old_entries_are_pruned(self, db_path: Path) -> None:
        """Only the most recent few parsed databases are kept."""
        survey = db.load(db_path)
        for count in range(parsecache.KEEP + 3):
            transaction.create(db_path, replace(survey, papers=survey.papers[count:]), force=True)
        assert len(_files()) <= parsecache.KEEP


def test_a_pickle_of_another_model_shape_is_never_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    """evlm's version does not change with every model change (a development install): the stamp holds the
    model's fields too, so a survey pickled before a field was added is parsed again, not loaded broken."""
    import dataclasses

    from evlm_cli import model

    before = parsecache._model_shape()
    grown = dataclasses.make_dataclass("SurveyInfo", ["title", "a_new_field"])
    monkeypatch.setattr(model, "SurveyInfo", grown)
    assert parsecache._model_shape() != before
    monkeypatch.undo()
    assert parsecache._model_shape() == before and before.encode() in parsecache._STAMP


class TestOutsideWrite:
    """After another program wrote the file (a `git pull`), the text of the papers a write leaves alone is reused
    when every block is one evlm wrote, or checked one by one; the result is always `db.dumps` of the new survey."""

    @pytest.fixture(autouse=True)
    def _check_small_files(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(db, "_CANONICAL_CHECK_FROM", 0)

    def _pull(self, db_path: Path, old: str, new: str) -> None:
        """Another program's write: `old` replaced by `new`; this process forgets what it read."""
        text = db_path.read_text(encoding="utf-8")
        assert old in text
        db_path.write_text(text.replace(old, new, 1), encoding="utf-8")
        db._last_valid.clear()

    def _add(self, db_path: Path) -> None:
        def change(survey: Any) -> Any:
            return replace(survey, papers=(*survey.papers, Paper("zz2025new", "A New Paper", survey.papers[0].section)))

        transaction.write(db_path, change, rebuild=False)

    def test_a_pulled_change_in_evlms_own_form_is_reused(self, db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        survey = db.load(db_path)
        transaction.create(db_path, survey, force=True)  # evlm wrote it: its blocks are remembered
        self._pull(db_path, 'title = "M2IST', 'title = "Pulled M2IST')
        real = db.dumps
        monkeypatch.setattr(db, "dumps", lambda s: pytest.fail("the whole survey was serialised"))
        self._add(db_path)
        monkeypatch.setattr(db, "dumps", real)
        assert db_path.read_text(encoding="utf-8") == db.dumps(db.loads(db_path.read_text(encoding="utf-8")))

    @pytest.mark.parametrize("remembered", [True, False])
    def test_a_pulled_change_in_another_form_is_rewritten_canonically(self, db_path: Path, remembered: bool) -> None:
        survey = db.load(db_path)
        transaction.create(db_path, survey, force=True)
        if not remembered:
            parsecache._blocks_file().unlink()
        self._pull(db_path, 'title = "M2IST', 'title =   "M2IST')  # not how evlm writes it
        assert not db._is_canonical(db_path.read_text(encoding="utf-8"), db.load(db_path))
        self._add(db_path)
        text = db_path.read_text(encoding="utf-8")
        assert 'title = "M2IST' in text and text == db.dumps(db.loads(text))

    def test_without_remembered_blocks_every_block_is_checked(self, db_path: Path) -> None:
        survey = db.load(db_path)
        text = db.dumps(survey)
        assert parsecache.known_blocks() == set()
        assert db._is_canonical(text, survey)
        assert not db._is_canonical(text.replace('key = "', 'key="', 3), survey)
