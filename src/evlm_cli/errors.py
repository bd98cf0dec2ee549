"""Errors the library raises; the CLI turns each into one line on stderr and exit code 1.

Every error says what went wrong, where (a file and line, or a paper key and field), and how to fix it.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Exit codes are a contract with scripts and CI."""

    OK = 0
    ERROR = 1  # an error, or stale output for `build --check` / findings for `check`
    USAGE = 2  # Click's own code for bad arguments
    INTERRUPTED = 130
    BROKEN_PIPE = 141  # the reader of stdout went away (`evlm list | head -1`): 128 + SIGPIPE, as the shell reports


class EvlmError(Exception):
    """Base of every error evlm reports to a person."""

    def __init__(self, message: str, *, where: str | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where
        self.hint = hint

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}" if self.where else self.message
        if self.hint:
            text = f"{text} ({self.hint})"
        return text


class DatabaseError(EvlmError):
    """The database cannot be read, is invalid, or cannot be written."""

    def __init__(
        self,
        message: str,
        *,
        where: str | None = None,
        hint: str | None = None,
        record: tuple[str, str] | None = None,
        field: str = "",
    ) -> None:
        super().__init__(message, where=where, hint=hint)
        self.record = record
        """("papers", key) or ("sections", id) of the offending record, so `db` can add its line number."""
        self.field = field
        """The offending field's name, when the error is about one field."""


class NotFoundError(EvlmError):
    """A paper key or section id that is not in the database."""


class SourceError(EvlmError):
    """A remote metadata source (arXiv, Crossref) failed or answered something unusable."""


class ImportFormatError(EvlmError):
    """An input file (README, BibTeX) cannot be read at all."""
