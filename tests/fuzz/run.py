"""Fuzz evlm at a large budget and report: `python tests/fuzz/run.py --examples 100000`.

Runs the targets of tests/fuzz/targets.py (the importers, the TOML loader, search queries, `edit --set` values)
plus the real CLI (`search` and `edit`), splitting the budget between them in the proportions of tests/test_fuzz.py.
Unlike the test suite it does not stop at the first failure: it counts every input, every clean result, every
EvlmError and every other exception (a traceback a user would see), prints one line per distinct failure with the
input that caused it, and exits 1 if there was any. Not collected by pytest (its name does not start with test_).
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, for `fuzz` and `test_fuzz`

from fuzz import targets


class Tally:
    """What one target did with its inputs."""

    def __init__(self) -> None:
        self.inputs = 0
        self.clean = 0
        self.errors = 0
        """EvlmError: a clean refusal."""
        self.failures: dict[tuple[str, str], tuple[str, str, int]] = {}
        """(type, where) -> (message, input, count): each distinct traceback once, with its first input."""

    @property
    def tracebacks(self) -> int:
        return sum(count for _, _, count in self.failures.values())

    def record(self, value: object, run: Callable[[], None]) -> None:
        from evlm_cli.errors import EvlmError

        self.inputs += 1
        try:
            run()
        except EvlmError:
            self.errors += 1
            return
        except Exception as error:  # noqa: BLE001 - every other exception is what we are looking for
            frame = traceback.extract_tb(error.__traceback__)[-1]
            where = f"{Path(frame.filename).name}:{frame.lineno}"
            message, first, count = self.failures.get((type(error).__name__, where), (str(error), repr(value), 0))
            self.failures[(type(error).__name__, where)] = (message, first, count + 1)
            return
        self.clean += 1


def _say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _cli(args: list[str]) -> None:
    """Run the CLI in-process; raise what escaped it. Exit 1 or 2 is a clean refusal (an EvlmError here); any other
    code, or an error message of more than one line, is a failure."""
    from typer.testing import CliRunner

    from evlm_cli.cli import app
    from evlm_cli.errors import EvlmError

    result = CliRunner().invoke(app, args)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    if result.exit_code not in (0, 1, 2):
        raise AssertionError(f"exit code {result.exit_code}")
    if result.exit_code == 1 and result.stderr.count("\n") != 1:
        raise AssertionError(f"an error is one line, not {result.stderr!r}")
    if result.exit_code:
        raise EvlmError(f"exit {result.exit_code}")


def _plan(total: int, db_path: Path) -> dict[str, tuple[Callable[[object], None], st.SearchStrategy[object], int]]:
    from evlm_cli import db
    from test_fuzz import BUDGET, CLI_BUDGET

    scale = total / (sum(BUDGET.values()) + 2 * CLI_BUDGET)
    plan: dict[str, tuple[Callable[[object], None], st.SearchStrategy[object], int]] = {}
    for name, (target, strategy) in targets.inputs().items():
        plan[name] = (target, strategy, max(1, round(BUDGET[name] * scale)))
    original = db.dumps(targets.base())
    key = targets.base().papers[0].key

    def cli_search(words: object) -> None:
        assert isinstance(words, list)
        _cli(["--db", str(db_path), "search", *words])

    def cli_edit(value: object) -> None:
        assert isinstance(value, tuple)
        db_path.write_text(original, encoding="utf-8")
        _cli(["--db", str(db_path), "edit", key, "--set", f"{value[0]}={value[1]}", "--no-build"])
        db.load(db_path)

    options = st.sampled_from(["--year", "--section", "--venue", "--author", "--limit", "--all", "--json", "--"])
    words = st.lists(st.one_of(st.text(max_size=8), st.sampled_from(targets.QUERY_WORDS), options), max_size=5)
    values = st.tuples(st.sampled_from(targets.EDIT_FIELDS), st.one_of(st.text(), targets.soup(targets.README_WORDS)))
    cli_share = max(1, round(CLI_BUDGET * scale))
    plan["cli-search"] = (cli_search, words, cli_share)
    plan["cli-edit"] = (cli_edit, values, cli_share)
    return plan


def _fuzzer(
    target: Callable[[object], None], strategy: st.SearchStrategy[object], examples: int, random_seed: int, tally: Tally
) -> Callable[[], None]:
    """A Hypothesis test feeding `examples` inputs to `target`, recording each outcome instead of stopping."""

    @seed(random_seed)
    @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(strategy)
    def fuzz(value: object) -> None:
        tally.record(value, lambda: target(value))

    return fuzz


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=100_000, help="inputs in all (default 100000)")
    parser.add_argument("--seed", type=int, default=None, help="a seed, to repeat a run (default: random)")
    parser.add_argument("--only", nargs="*", default=None, help="run only these targets")
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="evlm-fuzz-"))
    os.environ["XDG_CACHE_HOME"] = str(work / "cache")  # never the user's search cache
    os.environ["NO_COLOR"] = "1"
    os.environ.pop("EVLM_DB", None)
    database = work / "papers.toml"
    from evlm_cli import db

    database.write_text(db.dumps(targets.base()), encoding="utf-8")
    chosen = {k: v for k, v in _plan(options.examples, database).items() if not options.only or k in options.only}
    random_seed = options.seed if options.seed is not None else int.from_bytes(os.urandom(4), "big")
    _say(f"seed {random_seed}; {sum(n for *_, n in chosen.values())} inputs over {len(chosen)} targets")
    tallies: dict[str, Tally] = collections.OrderedDict()
    for name, (target, strategy, examples) in chosen.items():
        tally = tallies[name] = Tally()
        start = time.perf_counter()
        _fuzzer(target, strategy, examples, random_seed, tally)()
        _say(
            f"{name:11} {tally.inputs:7} inputs  {tally.clean:7} clean  {tally.errors:7} EvlmError  "
            f"{tally.tracebacks:3} tracebacks  ({time.perf_counter() - start:.1f} s)",
        )
        for (kind, where), (message, first, count) in tally.failures.items():
            _say(f"    {count} x {kind} at {where}: {message[:200]}\n      first input: {first[:300]}")
    total = sum(t.tracebacks for t in tallies.values())
    inputs = sum(t.inputs for t in tallies.values())
    _say(f"total: {inputs} inputs, {total} tracebacks")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
