"""The Typer app: the root options, each command loaded from its module when it is used, and the one place where
a command's failure becomes an exit code (`_console.handled`)."""

from __future__ import annotations

import importlib
import inspect
import sys
from collections.abc import Callable
from typing import Annotated, Any

import typer
import typer.main
from typer.core import TyperGroup
from typer.models import CommandInfo

from evlm_cli import __version__
from evlm_cli.cli import _console, _params
from evlm_cli.cli._commands import COMMANDS
from evlm_cli.cli._options import root_db, typer_parameter
from evlm_cli.text import closest


class _Group(TyperGroup):
    """Imports a command's module only when the command is asked for, and runs commands through `handled`."""

    def list_commands(self, ctx: Any) -> list[str]:  # a click Context, whose module differs across Typer versions
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = super().get_command(ctx, cmd_name)
        if command is None and cmd_name in COMMANDS:
            command = _load(cmd_name)
            self.add_command(command, cmd_name)
        return command

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        """An unknown command is a usage error with a did-you-mean from the table (Typer's own looks only at the
        commands already loaded)."""
        if args and not args[0].startswith("-") and args[0] not in COMMANDS:
            near = closest(args[0], list(COMMANDS))
            ctx.fail(f"No such command {args[0]!r}." + (f" Did you mean {near[0]!r}?" if near else ""))
        return super().resolve_command(ctx, args)

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        from evlm_cli.text import undecodable_argument

        problem = undecodable_argument(args)  # before any command sees (or writes) the text
        if problem is not None:
            raise typer.BadParameter(problem, ctx)
        result: list[str] = super().parse_args(ctx, args)
        return result

    def invoke(self, ctx: Any) -> Any:
        with _console.handled():
            return super().invoke(ctx)


app = typer.Typer(
    cls=_Group,
    name="evlm",
    help="Maintain the Efficient Vision Language Models survey: list, search, add, export and build it.",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"evlm {__version__}\n")
        raise typer.Exit()


@app.callback()
def _root(
    db: Annotated[str | None, typer_parameter(_params.DB)] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Maintain the Efficient Vision Language Models survey: list, search, add, export and build it."""


def _load(name: str) -> Any:
    """The click command called `name`, built from its module (imported now)."""
    entry = COMMANDS[name]
    module = importlib.import_module(f"evlm_cli.cli.{entry.module}")
    if entry.function is not None:
        return _declared(name, getattr(module, entry.function))
    for info in app.registered_commands:
        if info.callback is not None and (info.name or info.callback.__name__.replace("_", "-")) == name:
            return _from_info(info)
    for group in app.registered_groups:
        if group.name == name and group.typer_instance is not None:
            command = typer.main.get_group(group.typer_instance)  # get_command would add completion options
            command.name = name
            return command
    raise LookupError(f"module {entry.module} defines no command {name!r}")  # a mistake in COMMANDS


def _declared(name: str, function: Callable[..., int]) -> Any:
    """A Typer command for a declared command function: the same parameters, help and checks (see `_params`)."""

    def callback(ctx: typer.Context, **values: Any) -> None:
        code = function(root_db(ctx), **values)
        if code:
            raise typer.Exit(code)

    parameters = [inspect.Parameter("ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=typer.Context)]
    for param in _params.params(function):
        parameters.append(
            inspect.Parameter(
                param.name,
                inspect.Parameter.KEYWORD_ONLY,
                default=inspect.Parameter.empty if param.required else param.default,
                annotation=Annotated[param.annotation, typer_parameter(param.spec)],
            )
        )
    callback.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    callback.__doc__ = function.__doc__
    return _from_info(CommandInfo(name=name, callback=callback))


def _from_info(info: CommandInfo) -> Any:
    return typer.main.get_command_from_info(
        info, pretty_exceptions_short=app.pretty_exceptions_short, rich_markup_mode=app.rich_markup_mode
    )
