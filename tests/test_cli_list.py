"""`evlm list`, `show` and `sections`, and the CLI's general behaviour."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import Cli


class TestList:
    def test_json_has_database_field_names(self, cli: Cli, repo: Path) -> None:
        """--json gives every paper under the database's own names."""
        papers = json.loads(cli("list", "--json").stdout)
        assert len(papers) == 37
        first = papers[0]
        assert first["key"] == "mbq2024modality"
        assert {"key", "title", "authors", "year", "venue", "section", "links", "arxiv", "added"} <= set(first)
        assert first["links"][1] == {"label": "Code", "url": "https://github.com/thu-nics/MBQ"}

    def test_section_includes_subsections(self, cli: Cli, repo: Path) -> None:
        """--section quantization lists post-training and quantization-aware papers."""
        papers = json.loads(cli("list", "--section", "quantization", "--json").stdout)
        assert len(papers) == 13
        assert {p["section"] for p in papers} == {"post-training-quantization", "quantization-aware-training"}

    def test_year_and_venue_filters(self, cli: Cli, repo: Path) -> None:
        """--year and --venue (case-insensitive) narrow the list."""
        papers = json.loads(cli("list", "--year", "2023", "--venue", "ieee/cvf", "--json").stdout)
        assert [p["key"] for p in papers] == ["noisyquant2023noisy", "ptq4sam2023post", "boost2023vision"]

    def test_table_output(self, cli: Cli, repo: Path) -> None:
        """The table shows keys and titles and no colour codes under NO_COLOR."""
        result = cli("list", "--section", "memory-efficient")
        assert "m2ist2024" in result.stdout and "SLIMFIT" in result.stdout
        assert "\x1b[" not in result.stdout + result.stderr
        assert "4 of 37 papers" in result.stderr

    def test_unknown_section_suggests(self, cli: Cli, repo: Path) -> None:
        """An unknown section is an error naming the closest ids."""
        result = cli("list", "--section", "prunning", code=1)
        assert "no section 'prunning'" in result.stderr and "'pruning'" in result.stderr


class TestShow:
    def test_show_json(self, cli: Cli, repo: Path) -> None:
        """show --json prints one paper in full."""
        paper = json.loads(cli("show", "advancing2024multimodal", "--json").stdout)
        assert paper["doi"] == "10.1145/3664647.3680838"
        assert paper["section"] == "quantization-aware-training"

    def test_show_table(self, cli: Cli, repo: Path) -> None:
        """show prints every field, with the section's path."""
        out = cli("show", "lu2024knowing").stdout
        assert "Pre-deployment Techniques > Other Methods" in out
        assert "https://arxiv.org/html/2408.11049v1" in out

    def test_show_a_citation_record(self, cli: Cli, repo: Path, tmp_path: Path) -> None:
        """An imported record's fields (container, volume, pages, publisher, aliases, the source's other fields) are in
        the table, from the search index; an alias shows the paper it names."""
        source = tmp_path / "refs.bib"
        source.write_text(
            "@article{Lamport78, author = {Leslie Lamport}, title = {Time, Clocks}, journal = {Commun. {ACM}},"
            " volume = {21}, number = {7}, pages = {558--565}, month = jul, year = {1978}, publisher = {ACM},"
            " doi = {10.1145/359545.359563}, timestamp = {Fri, 01 Jan 2021}}\n"
            "@article{Lamport78b, title = {Time, clocks}, author = {Leslie Lamport}, journal = {CACM}, year = 1978,"
            " doi = {10.1145/359545.359563}}\n",
            encoding="utf-8",
        )
        cli("import", "bibtex", str(source), "--section", "memory-efficient", "--keep-keys", "--no-build")
        out = cli("show", "Lamport78").stdout
        rows = {
            line.split(maxsplit=1)[0]: line.split(maxsplit=1)[1].strip() for line in out.splitlines() if line.strip()
        }
        assert rows["type"] == "article" and rows["container"] == "Commun. ACM"
        assert rows["container_tex"] == "Commun. {ACM}"
        assert (rows["volume"], rows["number"], rows["pages"], rows["month"]) == ("21", "7", "558--565", "7")
        assert (rows["publisher"], rows["aliases"]) == ("ACM", "Lamport78b")
        assert rows["extra"] == "timestamp = {Fri, 01 Jan 2021}"
        assert cli("show", "Lamport78b").stdout == out

    def test_unknown_key_suggests(self, cli: Cli, repo: Path) -> None:
        """An unknown key names the closest keys."""
        result = cli("show", "mbq2024", code=1)
        assert "no paper 'mbq2024'" in result.stderr and "mbq2024modality" in result.stderr


class TestSections:
    def test_sections_json(self, cli: Cli, repo: Path) -> None:
        """sections --json lists the taxonomy with paper counts."""
        rows = json.loads(cli("sections", "--json").stdout)
        assert len(rows) == 23
        assert rows[2] == {
            "id": "post-training-quantization",
            "title": "Post-Training Quantization",
            "emoji": "",
            "parent": "quantization",
            "papers": 8,
            "own": 8,
        }

    def test_counts_include_subsections(self, cli: Cli, repo: Path) -> None:
        """A parent section counts the papers of its subsections (`papers`), beside its own (`own`)."""
        rows = {row["id"]: row for row in json.loads(cli("sections", "--json").stdout)}
        assert (rows["pruning"]["papers"], rows["pruning"]["own"]) == (7, 0)
        assert rows["pruning"]["papers"] == rows["structured"]["papers"] + rows["unstructured"]["papers"]
        assert rows["pre-deployment-techniques"]["papers"] == 31
        assert sum(row["own"] for row in rows.values()) == 37
        table = cli("sections").stdout
        assert re.search(r"\bpruning\b\W+Pruning\W+7\W+0\b", table), table


class TestEntryPoints:
    def test_python_m_help(self) -> None:
        """`python -m evlm_cli --help` works as a real process and lists the commands."""
        proc = subprocess.run([sys.executable, "-m", "evlm_cli", "--help"], capture_output=True, text=True, check=True)
        for command in ("list", "show", "build", "import"):
            assert command in proc.stdout

    def test_version(self, cli: Cli) -> None:
        """--version prints the version."""
        from evlm_cli import __version__

        assert cli("--version").stdout == f"evlm {__version__}\n"

    def test_usage_error_is_exit_2(self, cli: Cli, repo: Path) -> None:
        """Bad arguments are Click's usage error, exit 2."""
        cli("list", "--year", "soon", code=2)

    def test_groups_load_like_commands(self, cli: Cli) -> None:
        """A lazily loaded group (`import`) lists its commands and offers no shell-completion options."""
        out = cli("import", "--help").stdout
        assert "readme" in out and "bibtex" in out and "completion" not in out

    def test_misspelt_command_suggests(self, cli: Cli) -> None:
        """A misspelt command names the closest one, though commands load only when they run."""
        assert "No such command 'serch'. Did you mean 'search'?" in cli("serch", "x", code=2).stderr


def test_emoji_codes_are_printed_as_typed(cli: Cli, repo: Path) -> None:
    """A title holding `:fire:` is shown as typed, not turned into an emoji by rich."""
    cli("edit", "m2ist2024", "--set", "title=M2IST :fire: edition", "--no-build")
    assert ":fire:" in cli("show", "m2ist2024").stdout
    assert ":fire:" in cli("list", "--section", "memory-efficient").stdout


LONG = "x" * 10_000


class TestLongArguments:
    @pytest.mark.parametrize(
        ("args", "code"),
        [
            (["show", LONG], 1),
            (["list", "--section", LONG], 1),
            (["search", LONG], 1),
            (["search", "quantization", "--section", LONG], 1),
            (["search", "--year", LONG], 2),
            (["export", "bibtex", "--key", LONG], 1),
            (["export", LONG], 2),
            (["check", "--explain", LONG], 1),
            (["edit", LONG, "--set", "venue=CVPR"], 1),
            (["move", "mbq2024modality", "--section", "quantization", "--before", LONG], 1),
        ],
    )
    def test_not_echoed_whole(self, cli: Cli, repo: Path, args: list[str], code: int) -> None:
        """A 10,000-character argument is shortened wherever a message repeats it, and its length is given."""
        stderr = cli(*args, code=code).stderr
        assert "(10,000 characters)" in stderr, stderr
        assert len(stderr) < 600, stderr


class TestBrokenPipe:
    @pytest.mark.parametrize(
        "args",
        [
            ["check"],
            ["list"],
            ["search", "quantization"],
            ["export", "bibtex"],
            ["sections", "--json"],
            ["show", "lu2024knowing"],
        ],
    )
    def test_reader_gone(self, repo: Path, args: list[str]) -> None:
        """Output into a pipe whose reader has gone: exit 141 quietly, no traceback, no "Exception ignored"."""
        read, write = os.pipe()
        os.close(read)
        try:
            process = subprocess.run(
                [sys.executable, "-m", "evlm_cli", *args], stdout=write, stderr=subprocess.PIPE, text=True, check=False
            )
        finally:
            os.close(write)
        assert process.returncode == 141, process.stderr
        assert "Traceback" not in process.stderr and "Exception ignored" not in process.stderr
        assert "BrokenPipe" not in process.stderr and "error" not in process.stderr

    def test_head(self, repo: Path) -> None:
        """`evlm export bibtex | head -1`: one line out, no complaint on stderr, whether or not the pipe broke."""
        command = [sys.executable, "-m", "evlm_cli", "export", "bibtex"]
        with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as evlm:
            assert evlm.stdout is not None and evlm.stderr is not None
            head = subprocess.run(["head", "-1"], stdin=evlm.stdout, capture_output=True, text=True, check=True)
            evlm.stdout.close()
            stderr = evlm.stderr.read().decode()
        assert evlm.returncode in (0, 141)
        assert head.stdout.startswith("@") and head.stdout.count("\n") == 1
        assert "Traceback" not in stderr and "Exception ignored" not in stderr
