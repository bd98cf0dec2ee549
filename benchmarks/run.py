"""Benchmark evlm at 1k, 10k and 100k papers: whole-process wall time (median of several runs) and peak memory.

    python benchmarks/run.py --sizes 1000 10000 100000 --runs 5

Databases are generated (benchmarks/generate.py) in a temporary folder; each command runs as a subprocess with its
own cache folder. Commands that do not exist in this checkout (`export`, `add`) are skipped, with a note.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

EVLM = [sys.executable, "-m", "evlm_cli"]


def _available(command: str) -> bool:
    probe = subprocess.run([*EVLM, command, "--help"], capture_output=True, check=False)
    return probe.returncode == 0


class CommandFailedError(Exception):
    """A benchmarked command exited with an error (its last line of stderr is the argument)."""


def _measure(
    argv: list[str], env: dict[str, str], prepare: Callable[[], None] | None, runs: int
) -> tuple[float, float]:
    """Median wall seconds and the largest peak RSS (MiB) over `runs` runs."""
    times, peaks = [], []
    for _ in range(runs):
        if prepare:
            prepare()
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            start = time.perf_counter()
            process = subprocess.Popen(argv, env=env, stdout=out, stderr=err)
            _, status, usage = os.wait4(process.pid, 0)
            elapsed = time.perf_counter() - start
            process.returncode = os.waitstatus_to_exitcode(status)
            if process.returncode != 0:
                err.seek(0)
                raise CommandFailedError(err.read().decode(errors="replace").strip().splitlines()[-1:] or ["?"])
        times.append(elapsed)
        peaks.append(usage.ru_maxrss / 1024)  # KiB on Linux
    return statistics.median(times), max(peaks)


def bench(size: int, runs: int, root: Path, only: str | None = None) -> list[tuple[str, str]]:
    folder = root / f"db{size}"
    data = folder / "data"
    data.mkdir(parents=True)
    toml = data / "papers.toml"
    start = time.perf_counter()
    # In a subprocess, so this process stays small: a child's peak RSS counts the parent's memory it forked from.
    subprocess.run([sys.executable, str(Path(__file__).parent / "generate.py"), str(size), str(toml)], check=True)
    text_mb = toml.stat().st_size / 1e6
    shutil.copy(Path(__file__).parents[1] / "data" / "README.template.md", data / "README.template.md")
    print(f"# {size} papers: generated {text_mb:.0f} MB in {time.perf_counter() - start:.1f} s", flush=True)
    env = {**os.environ, "XDG_CACHE_HOME": str(folder / "cache"), "EVLM_DB": str(toml), "NO_COLOR": "1"}
    cache = folder / "cache"

    def warm() -> None:
        """A settled database (not modified within 2 s, so trusted by its stat alone) and a fresh cache."""
        past = time.time() - 10
        os.utime(toml, (past, past))
        subprocess.run([*EVLM, "search", "quantization"], env=env, capture_output=True, check=False)

    def touch() -> None:
        """A fresh cache, then an outside edit (a blank line appended), without reading the file: this process
        must stay small, as a child's peak RSS on Linux includes the memory of the parent it was forked from."""
        warm()
        with toml.open("a", encoding="utf-8") as handle:
            handle.write("\n")

    original = toml.with_name("papers.orig.toml")
    shutil.copy(toml, original)

    def restore() -> None:
        """The generated database again (an `add` run changed it), settled and with a fresh cache."""
        shutil.copy(original, toml)
        warm()

    def restore_then_add() -> None:
        """As `restore`, then one `evlm add`: the usual case, a database that evlm itself wrote last."""
        restore()
        subprocess.run(
            [*EVLM, "add", "--title", "An Earlier Paper", "--section", "pre-deployment-quantization", "--no-build"],
            env=env,
            check=True,
            capture_output=True,
        )

    add = ["add", "--title", "A Benchmark Paper on Quantization", "--section", "pre-deployment-quantization"]
    commands: list[tuple[str, list[str], Callable[[], None] | None]] = [
        ("evlm --version", ["--version"], None),
        ("evlm search quantization (no cache)", ["search", "quantization"], lambda: shutil.rmtree(cache, True)),
        ("evlm search quantization (warm)", ["search", "quantization"], warm),
        ("evlm search quantization (TOML changed)", ["search", "quantization"], touch),
        ("evlm list --json > file", ["list", "--json"], warm),
        ("evlm export bibtex > file", ["export", "bibtex"], warm),
        ("evlm build", ["build"], warm),
        ("evlm add --title ... (manual, after an outside write)", [*add, "--year", "2024"], restore),
        ("evlm add --title ... (manual, evlm wrote last)", [*add, "--year", "2024"], restore_then_add),
    ]
    rows = []
    for label, argv, prepare in commands:
        if only and only not in label:
            continue
        name = argv[0]
        if not name.startswith("-") and not _available(name):
            print(f"  {label}: skipped (no `evlm {name}` in this checkout)", flush=True)
            rows.append((label, "skipped"))
            continue
        try:
            seconds, mib = _measure([*EVLM, *argv], env, prepare, runs)
        except CommandFailedError as error:
            print(f"  {label}: FAILED: {error.args[0][0]}", flush=True)
            rows.append((label, "failed"))
            continue
        print(f"  {label}: {seconds:.3f} s, peak {mib:.0f} MiB", flush=True)
        rows.append((label, f"{seconds:.3f} s, {mib:.0f} MiB"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", help="run only the commands whose label contains this text, e.g. 'warm'")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="evlm-bench-") as tmp:
        for size in args.sizes:
            bench(size, args.runs, Path(tmp), args.only)


if __name__ == "__main__":
    main()
