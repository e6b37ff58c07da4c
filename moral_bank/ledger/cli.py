import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from . import service


@click.command("verify-ledger")
@with_appcontext
def verify_ledger() -> None:
    """Recompute every balance from the entries; exit 1 naming any account that differs."""
    bad, problems = service.verify()
    for d in bad:
        click.echo(
            _(
                "account %(id)s (%(kind)s %(name)s): cached balance %(cached)s, entries sum to %(computed)s",
                id=d.account_id,
                kind=d.kind,
                name=d.name,
                cached=d.cached,
                computed=d.computed,
            ),
            err=True,
        )
    for p in problems:
        click.echo(p, err=True)
    if bad or problems:
        raise click.ClickException(
            _("Ledger check failed: %(n)s accounts differ, %(m)s other problems.", n=len(bad), m=len(problems))
        )
    click.echo(_("Ledger OK: every balance equals the sum of its entries, and all entries sum to zero."))
