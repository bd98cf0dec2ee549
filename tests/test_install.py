"""A non-editable install works from any folder: the survey ships inside the package."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import ROOT


def test_wheel_install_lists_papers_from_another_folder(tmp_path: Path) -> None:
    """`pip install .` (a built wheel, not editable), then `evlm list` and `evlm search` elsewhere use the bundled
    survey."""
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = wheels.glob("evlm-*.whl")
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
    )
    assert (target / "evlm_cli" / "data" / "papers.toml").is_file()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "EVLM_DB"} | {"PYTHONPATH": str(target)}
    code = "import evlm_cli, sys; assert evlm_cli.__file__.startswith(sys.argv[1]), evlm_cli.__file__"
    subprocess.run([sys.executable, "-c", code, str(target)], cwd=elsewhere, env=env, check=True)
    proc = subprocess.run(
        [sys.executable, "-m", "evlm_cli", "list", "--json"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert len(json.loads(proc.stdout)) == 37
    search = subprocess.run(
        [sys.executable, "-m", "evlm_cli", "search", "quantization", "--keys"],
        cwd=elsewhere,
        env=env | {"XDG_CACHE_HOME": str(tmp_path / "cache")},
        capture_output=True,
        text=True,
        check=True,
    )
    assert "mbq2024modality" in search.stdout.split()
