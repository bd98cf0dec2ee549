"""Start-up time of the read commands on the shipped survey, against `python -c "import typer"`.

    python benchmarks/startup.py --runs 30

Each command runs as a fresh process (the `evlm` script beside this Python, as a user runs it) with a warm cache
and compiled bytecode, output to a pipe and COLUMNS=80; the figure is the fastest of `--runs` runs, the runs of all
commands interleaved so that a busy moment of the machine hits them alike. The target: every read command within
1.5 times the time of importing Typer.
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = 1.5
READ_COMMANDS = [
    ["sections"],
    ["list", "--section", "quantization"],
    ["show", "mbq2024modality"],
    ["export", "bibtex", "--key", "mbq2024modality"],
    ["search", "quantization"],
]


def _evlm() -> list[str]:
    """The installed `evlm` script when there is one (what users run), else `python -m evlm_cli`."""
    script = Path(sys.executable).parent / "evlm"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "evlm_cli"]


def _once(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="runs of each command; the fastest counts")
    args = parser.parse_args()
    cache = Path(tempfile.mkdtemp(prefix="evlm-startup-"))
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "COLUMNS": "80"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed package has its bytecode; so should the checkout
    env.pop("EVLM_DB", None)  # the shipped survey: data/papers.toml in the checkout
    compileall.compile_dir(ROOT / "src", quiet=1)
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "python -c 'import typer'": [sys.executable, "-c", "import typer"],
        "evlm --version": [*_evlm(), "--version"],
    }
    read = {"evlm " + " ".join(command): [*_evlm(), *command] for command in READ_COMMANDS}
    commands.update(read)
    try:
        for argv in commands.values():  # warm the index cache and the OS's file cache
            _once(argv, env)
        best = dict.fromkeys(commands, float("inf"))
        for _ in range(args.runs):
            for name, argv in commands.items():
                best[name] = min(best[name], _once(argv, env))
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    typer_time = best["python -c 'import typer'"]
    print(f"{'command':<46} {'ms':>7} {'x typer':>8}")
    for name, seconds in best.items():
        ratio = seconds / typer_time
        verdict = ("ok" if ratio <= TARGET else "SLOW") if name in read else ""
        print(f"{name:<46} {seconds * 1000:7.1f} {ratio:8.2f}  {verdict}")


if __name__ == "__main__":
    main()
