"""Helpers for commands: fail with a clear message and a non-zero exit."""

from pathlib import Path

import click

from .errors import DomainError
from .tabular import Table, read_table


def load_table(path: str, columns: tuple[str, ...]) -> Table:
    file = Path(path)
    if not file.is_file():
        raise click.ClickException(f"No such file: {path}")
    try:
        return read_table(file.name, file.read_bytes(), columns)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None


def fail_on_errors(table: Table) -> None:
    if table.errors:
        for line, message in table.errors[:200]:
            click.echo(f"line {line}: {message}", err=True)
        more = len(table.errors) - 200
        if more > 0:
            click.echo(f"… and {more} more", err=True)
        raise click.ClickException(f"{len(table.errors)} problem(s) found; nothing was imported.")
