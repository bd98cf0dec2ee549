"""Shell completion: the real `evlm` answers the completion protocol of bash, zsh and fish with commands, options,
citation keys, section ids and export formats; and the scripts it prints work in a real bash and zsh."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EVLM = str(Path(sys.executable).with_name("evlm"))
"""The installed console script, so the launcher's fast lane is part of what is tested."""


def _run(env: dict[str, str], *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, **env}
    return subprocess.run([EVLM, *args], env=full, cwd=cwd, capture_output=True, text=True, timeout=60, check=False)


def bash(line: str, cwd: Path, *args: str) -> list[str]:
    """What `evlm` offers bash for the last word of `line` (a trailing space: a new, empty word)."""
    words = line.split(" ")
    result = _run(
        {"_EVLM_COMPLETE": "complete_bash", "COMP_WORDS": line, "COMP_CWORD": str(len(words) - 1)}, *args, cwd=cwd
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout.split()


def zsh(line: str, cwd: Path) -> str:
    result = _run({"_EVLM_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": line}, cwd=cwd)
    assert result.returncode == 0, result.stderr
    return result.stdout


class TestProtocol:
    """`evlm` driven as the completion scripts drive it: environment variables in, candidates out."""

    def test_commands(self, repo: Path) -> None:
        """Command names complete, lazily loaded ones included."""
        assert set(bash("evlm sec", repo)) == {"sections", "section"}
        assert "check" in bash("evlm ", repo)

    def test_keys(self, repo: Path) -> None:
        """`evlm show <TAB>` offers the survey's citation keys, filtered by what was typed."""
        assert bash("evlm show mbq", repo) == ["mbq2024modality"]
        assert "mbq2024modality" in bash("evlm edit ", repo)
        assert bash("evlm export bibtex --key mbq", repo) == ["mbq2024modality"]

    def test_sections(self, repo: Path) -> None:
        """Options taking a section id offer the taxonomy's ids."""
        assert bash("evlm list --section quantization-a", repo) == ["quantization-aware-training"]
        assert "pruning" in bash("evlm add 2412.19509 -s ", repo)
        assert "pruning" in bash("evlm section move ", repo)

    def test_formats(self, repo: Path) -> None:
        assert bash("evlm export b", repo) == ["bibtex", "biblatex"]

    def test_options(self, repo: Path) -> None:
        assert "--dry-run" in bash("evlm add --", repo)

    def test_values_follow_db_option(self, repo: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
        """The keys come from the database named by --db, not the one found from the current folder."""
        other = tmp_path_factory.mktemp("other")
        result = subprocess.run(
            [EVLM, "--db", str(other / "papers.toml"), "init", "--title", "Other"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert bash(f"evlm --db {other / 'papers.toml'} show mbq", repo) == []
        assert bash("evlm show mbq", repo) == ["mbq2024modality"]

    def test_completion_never_takes_the_fast_lane(self, repo: Path) -> None:
        """With the completion variable set, whatever words follow, Typer answers (the fast lane would print the
        taxonomy table of `evlm sections`)."""
        assert bash("evlm show mbq", repo, "sections") == ["mbq2024modality"]

    def test_no_database(self, tmp_path: Path) -> None:
        """With a broken database, value completion offers nothing, quietly."""
        (tmp_path / "data").mkdir()
        (tmp_path / "data" / "papers.toml").write_text("not = [toml", encoding="utf-8")
        assert bash("evlm show mbq", tmp_path) == []

    def test_zsh_descriptions(self, repo: Path) -> None:
        """zsh gets values with their descriptions (a section's title, a format's use)."""
        assert '"pruning":"Pruning"' in zsh("evlm list --section pru", repo)
        assert zsh("evlm show mbq", repo) == "_arguments '*: :((\"mbq2024modality\"))'\n"

    def test_fish(self, repo: Path) -> None:
        result = _run(
            {
                "_EVLM_COMPLETE": "complete_fish",
                "_TYPER_COMPLETE_FISH_ACTION": "get-args",
                "_TYPER_COMPLETE_ARGS": "evlm export c",
            },
            cwd=repo,
        )
        assert result.stdout.splitlines() == [
            "csl-json\tCSL JSON for pandoc --citeproc and Zotero",
            "csv\ta spreadsheet, one row per paper",
        ]


def _script(shell: str, cwd: Path) -> str:
    result = _run({"_EVLM_COMPLETE": f"source_{shell}"}, cwd=cwd)
    assert result.returncode == 0, result.stderr
    assert "_evlm_completion" in result.stdout
    return result.stdout


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_real_bash(repo: Path) -> None:
    """bash sources the script and runs its completion function for `evlm show mbq<TAB>`."""
    script = _script("bash", repo)
    program = f"""{script}
PATH={Path(EVLM).parent}:$PATH
COMP_WORDS=(evlm show mbq); COMP_CWORD=2
_evlm_completion evlm
printf '%s\\n' "${{COMPREPLY[@]}}"
complete -p evlm
"""
    result = subprocess.run(["bash", "--norc", "-c", program], cwd=repo, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["mbq2024modality", "complete -o default -F _evlm_completion evlm"]


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed (.ci/run installs it)")
def test_real_zsh(repo: Path) -> None:
    """zsh loads the script through compinit's `compdef` and runs it for `evlm show mbq<TAB>`; `_arguments` is
    replaced by a function printing what zsh would offer (a completion widget needs a terminal)."""
    script = _script("zsh", repo)
    program = f"""autoload -Uz compinit && compinit -u -d {repo}/.zcompdump
{script}
[[ $_comps[evlm] == _evlm_completion ]] || {{ print "not registered"; exit 3; }}
_arguments() {{ print -r -- "$@"; }}
PATH={Path(EVLM).parent}:$PATH
words=(evlm show mbq); CURRENT=3
_evlm_completion
"""
    result = subprocess.run(["zsh", "-f", "-c", program], cwd=repo, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == ['*: :(("mbq2024modality"))']
