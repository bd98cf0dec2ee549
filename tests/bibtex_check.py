"""Running the real `bibtex` program on a .bib file, as a LaTeX document citing every key would."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

STYLES = ("plain", "alpha")
"""Standard styles from texlive-base: plain sorts by author, alpha builds labels from names and years."""


@dataclass(frozen=True)
class BibtexRun:
    returncode: int
    log: str
    bbl: str

    @property
    def problems(self) -> list[str]:
        """Every warning or error line bibtex reported."""
        return [
            line
            for line in self.log.splitlines()
            if re.search(r"warning|error|illegal|couldn't|too many|exceeded|isn't", line, re.IGNORECASE)
            and not re.match(r"\s*\S+\$ -- \d+$", line)  # the statistics: `warning$ -- 0`
        ]


def require_bibtex() -> str:
    """The path of `bibtex`; skips the test when it is missing, except in CI (where .ci/run installs it)."""
    found = shutil.which("bibtex")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("`bibtex` is not installed; .ci/run installs texlive-binaries and texlive-base")
        pytest.skip("`bibtex` is not installed (apt-get install texlive-binaries texlive-base)")
    return found


def run_bibtex(bib: str, keys: list[str], folder: Path, style: str = "plain") -> BibtexRun:
    """Write refs.bib and an .aux citing `keys`, run bibtex there, and return its log and .bbl."""
    program = require_bibtex()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "refs.bib").write_text(bib, encoding="utf-8")
    citations = "".join(f"\\citation{{{key}}}\n" for key in keys)
    (folder / "doc.aux").write_text(f"\\relax\n{citations}\\bibstyle{{{style}}}\n\\bibdata{{refs}}\n", encoding="utf-8")
    result = subprocess.run(
        [program, "doc"], cwd=folder, capture_output=True, text=True, errors="replace", check=False, timeout=60
    )
    log = (folder / "doc.blg").read_text(encoding="utf-8", errors="replace") if (folder / "doc.blg").exists() else ""
    bbl = (folder / "doc.bbl").read_text(encoding="utf-8", errors="replace") if (folder / "doc.bbl").exists() else ""
    return BibtexRun(result.returncode, log + result.stdout + result.stderr, bbl)


def assert_clean(bib: str, keys: list[str], folder: Path) -> None:
    """bibtex runs every standard style on `bib` with no error and no warning, and typesets every key."""
    for style in STYLES:
        run = run_bibtex(bib, keys, folder / style, style)
        assert not run.problems, f"{style}: {run.problems}\n{run.log}\n--- bib:\n{bib}"
        assert run.returncode == 0, run.log
        items = re.findall(r"^\\bibitem(?:\[.*\])?\{([^{}]*)\}$", run.bbl, re.MULTILINE)
        assert sorted(items) == sorted(keys), f"{style}: .bbl cites {items}, expected {keys}"
