"""One front door: the fast lane and the Typer app read the same declarations and answer alike; commands load lazily;
the library never imports the command line."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer.main

from conftest import ROOT, Cli
from evlm_cli.cli import _params, app
from evlm_cli.cli._commands import COMMANDS
from evlm_cli.errors import DatabaseError

SOURCE = ROOT / "src" / "evlm_cli"
DECLARED = [name for name, entry in COMMANDS.items() if entry.function is not None]


def _click_command(name: str) -> Any:
    root = typer.main.get_command(app)
    context = root.make_context("evlm", ["--help"], resilient_parsing=True)
    return root.get_command(context, name)  # type: ignore[attr-defined]


def _function(name: str) -> Any:
    entry = COMMANDS[name]
    assert entry.function is not None
    return getattr(importlib.import_module(f"evlm_cli.cli.{entry.module}"), entry.function)


class TestDeclarations:
    @pytest.mark.parametrize("name", DECLARED)
    def test_typer_command_agrees_with_the_declaration(self, name: str) -> None:
        """Every parameter of the Typer command is one the fast lane parses: same flags, kind, default and help."""
        declared = {param.name: param for param in _params.params(_function(name))}
        command = _click_command(name)
        assert command.help == _function(name).__doc__.strip().replace("\n    ", "\n")
        for param in command.params:
            mine = declared.pop(param.name)
            assert param.help == mine.spec.help, param.name
            assert param.required == mine.required, param.name
            if isinstance(mine.spec, _params.Option):
                assert sorted(param.opts + param.secondary_opts) == sorted(mine.spec.flags), param.name
                assert param.is_flag == (mine.kind is bool), param.name
                assert param.multiple == mine.multiple, param.name
                assert param.default == mine.default, param.name
            else:
                assert param.param_type_name == "argument"
                assert (param.nargs == -1) == mine.multiple, param.name
        assert not declared, f"declared but not in the Typer command: {sorted(declared)}"

    def test_root_db_option(self) -> None:
        """The root --db option is the declared one."""
        (db,) = [param for param in typer.main.get_command(app).params if param.name == "db"]
        assert db.opts == list(_params.DB.flags) and getattr(db, "help", None) == _params.DB.help

    @pytest.mark.parametrize("name", DECLARED)
    def test_help_and_typos_go_to_typer(self, name: str) -> None:
        """What Typer answers (help, unknown options, stray words) is never parsed by the fast lane."""
        function = _function(name)
        for argv in (["-h"], ["--help"], ["--no-such-option"], ["--json=yes"]):
            assert _params.parse(function, argv) is None, argv

    def test_only_declared_commands_take_the_fast_lane(self) -> None:
        """Typer-declared commands (they write, or fetch) always run through Typer."""
        assert set(DECLARED) == {"search", "list", "show", "sections", "export"}


BOTH_LANES = [
    ["search", "quantization"],
    ["search", "quantization", "--json"],
    ["search", "quant*", "-n", "3", "--keys"],
    ["search", "qunatization"],
    ["search", "quantization", "--year", "2030"],
    ["search", "--year=2023", "--section", "pruning", "--all"],
    ["search", "--", "-x"],
    ["sections"],
    ["sections", "--json"],
    ["list", "--section", "pruning"],
    ["list", "-s", "quantization", "--year", "2024", "--json"],
    ["list", "--venue", "nope"],
    ["list", "--section", "prunning"],
    ["show", "mbq2024modality"],
    ["show", "mbq2024modality", "--json"],
    ["show", "mbq2024"],
    ["export", "bibtex", "-k", "mbq2024modality"],
    ["export", "BibTeX", "--key=mbq2024modality", "--key", "vlm2024post"],
    ["export", "ris", "--section", "pruning"],
    ["export", "csv", "--query", "quant* year:2024"],
    ["export", "json", "--query", "zzzzzz"],
]


class TestBothLanes:
    @pytest.mark.parametrize("argv", BOTH_LANES, ids=[" ".join(argv) for argv in BOTH_LANES])
    def test_same_answer(
        self, cli: Cli, repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, argv: list[str]
    ) -> None:
        """The fast lane prints what the Typer command prints, and exits with the same code."""
        from evlm_cli import launcher

        assert _params.parse(_function(argv[0]), argv[1:]) is not None, "the fast lane would not take this"
        monkeypatch.setattr(sys, "argv", ["evlm", *argv])
        with pytest.raises(SystemExit) as stopped:
            launcher.main()
        fast = capsys.readouterr()
        typer_lane = cli(*argv, code=int(stopped.value.code or 0))
        assert (fast.out, fast.err) == (typer_lane.stdout, typer_lane.stderr)


def _run(code: str) -> str:
    process = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=ROOT)
    assert process.returncode == 0, process.stderr
    return process.stdout


class TestLazyLoading:
    def test_a_command_imports_only_its_module(self) -> None:
        """Running a Typer-declared command imports its own module, not every command's."""
        code = (
            "import sys\n"
            "from evlm_cli import launcher\n"
            "sys.argv = ['evlm', 'check', '--explain', 'schema']\n"
            "try:\n    launcher.main()\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.startswith('evlm_cli.cli.') and m.endswith('_cmd')))"
        )
        assert _run(code).splitlines()[-1] == "['evlm_cli.cli.check_cmd']"

    @pytest.mark.parametrize(
        "argv",
        [["sections"], ["list", "--section", "pruning"], ["show", "mbq2024modality"], ["search", "quantization"]],
    )
    def test_read_commands_skip_typer_and_the_toml_reader(self, argv: list[str]) -> None:
        """A read command answered from a warm index imports neither Typer, pydantic, the TOML reader nor `db`."""
        subprocess.run([sys.executable, "-m", "evlm_cli", *argv], capture_output=True, check=True, cwd=ROOT)
        code = (
            "import sys\n"
            "from evlm_cli import launcher\n"
            f"sys.argv = ['evlm', *{argv!r}]\n"
            "try:\n    launcher.main()\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('typer', 'pydantic', 'tomli', 'tomllib', 'evlm_cli.db') if m in sys.modules))"
        )
        assert _run(code).splitlines()[-1] == "[]"

    def test_export_skips_typer_and_rich(self) -> None:
        """`export` prints its summary without rich, and never imports Typer."""
        code = (
            "import sys\n"
            "from evlm_cli import launcher\n"
            "sys.argv = ['evlm', 'export', 'bibtex', '--key', 'mbq2024modality']\n"
            "try:\n    launcher.main()\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('typer', 'pydantic', 'rich') if m in sys.modules))"
        )
        assert _run(code).splitlines()[-1] == "[]"


def _imports(path: Path) -> set[str]:
    """The absolute module names a source file imports (relative imports resolved)."""
    package = ".".join(path.relative_to(SOURCE.parent).with_suffix("").parts[:-1])
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, *([base] if base else [])])
            found.update(f"{base}.{alias.name}" for alias in node.names)
            found.add(base)
    return found


class TestLayers:
    def test_the_library_never_imports_the_command_line(self) -> None:
        """Arrows point down: no module outside cli/ and launcher.py imports evlm_cli.cli."""
        offenders = [
            str(path.relative_to(SOURCE))
            for path in SOURCE.rglob("*.py")
            if path.parent != SOURCE / "cli" and path.name != "launcher.py"
            if any(name == "evlm_cli.cli" or name.startswith("evlm_cli.cli.") for name in _imports(path))
        ]
        assert offenders == []

    def test_the_command_line_never_imports_the_launcher(self) -> None:
        """cli/ does not import the entry point back."""
        offenders = [
            str(path.relative_to(SOURCE))
            for path in (SOURCE / "cli").glob("*.py")
            if any(name.startswith("evlm_cli.launcher") for name in _imports(path))
        ]
        assert offenders == []

    def test_the_scan_sees_imports(self) -> None:
        """The scan itself finds a known import (so the tests above cannot pass vacuously)."""
        assert "evlm_cli.cli._console" in _imports(SOURCE / "cli" / "search_cmd.py")
        assert "evlm_cli.cli._app.app" in _imports(SOURCE / "launcher.py")


class TestSearchFastLane:
    def test_db_folder_and_empty_db(self, repo: Path) -> None:
        """The fast lane refuses a folder as --db (through `locate`) and leaves an empty --db to Typer's usage error."""
        from evlm_cli.cli import _params
        from evlm_cli.location import locate

        with pytest.raises(DatabaseError, match="names a folder"):
            locate(Path("data"))
        assert _params.parse_root(["--db", "", "search", "x"]) is None
        assert _params.parse_root(["--db=  ", "search", "x"]) is None

    def test_no_color_unstyled(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Both lanes' consoles honour NO_COLOR for bold and reverse too."""
        import io

        from rich.console import Console

        from evlm_cli.cli import _console

        monkeypatch.setenv("NO_COLOR", "1")
        buffer = io.StringIO()
        Console(file=buffer, force_terminal=True, **_console.console_style()).print("[bold]x[/] [reverse]y[/]")
        assert "\x1b[" not in buffer.getvalue() and buffer.getvalue() == "x y\n"
