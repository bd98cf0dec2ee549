"""The documentation cannot go stale: every command has help with an example and is shown in the README."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer.main

from conftest import ROOT
from evlm_cli.cli import app


def _commands() -> list[tuple[str, Any]]:
    """Every runnable command as (`evlm list`, command object), sub-commands of groups included."""
    found: list[tuple[str, Any]] = []
    root = typer.main.get_command(app)
    context = root.make_context("evlm", ["--help"], resilient_parsing=True)
    for name in root.list_commands(context):  # type: ignore[attr-defined]
        command = root.get_command(context, name)  # type: ignore[attr-defined]
        children = getattr(command, "commands", None)
        if children:
            found += [(f"evlm {name} {child}", sub) for child, sub in children.items()]
        else:
            found.append((f"evlm {name}", command))
    return found


COMMANDS = _commands()
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_commands_found() -> None:
    """The walk finds the commands (so the tests below cannot pass vacuously)."""
    names = {name for name, _ in COMMANDS}
    assert {"evlm list", "evlm show", "evlm build", "evlm import readme"} <= names


@pytest.mark.parametrize(("name", "command"), COMMANDS, ids=[name for name, _ in COMMANDS])
def test_help_has_an_example(name: str, command: Any) -> None:
    """Each command's help says what it does and ends with an example of itself."""
    help_text = command.help or ""
    assert help_text.strip(), f"{name} has no help"
    example = help_text.strip().splitlines()[-1]
    assert example.startswith("Example: evlm "), f"{name}: last help line is {example!r}"
    words = example.removeprefix("Example: ").split()
    assert name.split()[-1] in words, f"{name}: the example runs another command: {example}"


@pytest.mark.parametrize(("name", "command"), COMMANDS, ids=[name for name, _ in COMMANDS])
def test_every_option_has_help(name: str, command: Any) -> None:
    """Each option and argument of each command is explained in --help."""
    for param in command.params:
        assert getattr(param, "help", None), f"{name}: {param.param_type_name} {param.name} has no help"


@pytest.mark.parametrize("name", [name for name, _ in COMMANDS])
def test_readme_shows_command(name: str) -> None:
    """The README's tool section shows every command."""
    assert name in README, f"README.md does not show `{name}`"


class TestReference:
    """docs/cli.md is generated from the commands and checked for staleness."""

    def test_current(self) -> None:
        """The committed reference is what the generator writes now (run `python -m evlm_cli.cli.reference`)."""
        from evlm_cli.cli import reference

        assert (ROOT / reference.DOC).read_text(encoding="utf-8") == reference.render()

    @pytest.mark.parametrize(("name", "command"), COMMANDS, ids=[name for name, _ in COMMANDS])
    def test_documents_every_command_and_option(self, name: str, command: Any) -> None:
        """Each command, lazily loaded ones included, has its heading, and each of its options its row."""
        from evlm_cli.cli import reference

        text = reference.render()
        assert f"## `{name}`\n" in text
        section = text.split(f"## `{name}`\n", 1)[1].split("\n## ", 1)[0]
        for param in command.params:
            if param.param_type_name == "option":
                assert all(opt in section for opt in param.opts), f"{name}: {param.opts} not in docs/cli.md"

    def test_check_reports_stale(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """`--check` exits 1 with a diff on a stale file and writes nothing; the plain run fixes it; then 0."""
        from evlm_cli.cli import reference

        monkeypatch.chdir(tmp_path)
        (tmp_path / "docs").mkdir()
        stale = reference.render() + "A line the CLI does not say.\n"
        (tmp_path / reference.DOC).write_text(stale, encoding="utf-8")
        assert reference.main(["--check"]) == 1
        out, err = capsys.readouterr()
        assert "-A line the CLI does not say." in out and "is stale" in err
        assert (tmp_path / reference.DOC).read_text(encoding="utf-8") == stale
        assert reference.main([]) == 0
        assert reference.main(["--check"]) == 0
        assert reference.main(["--bogus"]) == 2
