import click
from flask.cli import with_appcontext

from . import service


@click.command("verify-ledger")
@with_appcontext
def verify_ledger() -> None:
    """Recompute every balance from the entries; exit 1 naming any account that differs."""
    bad, problems = service.verify()
    for d in bad:
        click.echo(
            f"account {d.account_id} ({d.kind} {d.name}): cached balance {d.cached}, entries sum to {d.computed}",
            err=True,
        )
    for p in problems:
        click.echo(p, err=True)
    if bad or problems:
        raise click.ClickException(
            f"ledger check failed: {len(bad)} account(s) differ, {len(problems)} other problem(s)"
        )
    click.echo("ledger OK: every balance equals the sum of its entries; entries sum to zero.")
