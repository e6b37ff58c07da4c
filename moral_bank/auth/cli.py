import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from ..admin import service as admin
from ..core.db import db
from ..core.errors import DomainError
from . import service
from .models import ROLES


@click.command("create-user")
@click.argument("username")
@click.option("--password", help="Required for a new user; ignored when the user exists.")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--unit", "unit_code", required=True, help="Code of the unit the role covers.")
@click.option("--household", "household_code", default="", help="Household code (for --role resident).")
@with_appcontext
def create_user(username: str, password: str | None, role: str, unit_code: str, household_code: str) -> None:
    """Create a login with a role, or add the role to an existing login."""
    try:
        user = service.by_username(username)
        if user is None:
            if not password:
                raise click.ClickException(_("--password is needed for a new user."))
            user = admin.create_with_role(username, password, "", role, unit_code, household_code)
            done = _("Created %(user)s: %(role)s on %(unit)s.", user=user.username, role=role, unit=unit_code)
        else:
            admin.grant(user, role, unit_code, household_code)
            done = _("Updated %(user)s: %(role)s on %(unit)s.", user=user.username, role=role, unit=unit_code)
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None
    db.session.commit()
    click.echo(done)
