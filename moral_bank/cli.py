"""Register every domain's commands on `flask --app moral_bank …`."""

from flask import Flask


def register(app: Flask) -> None:
    from .auth.cli import create_user
    from .demo import seed_demo
    from .governance.cli import compute_scores, import_incidents
    from .honors.cli import propose_stars
    from .households.cli import import_households
    from .ledger.cli import verify_ledger
    from .scoring.cli import close_month
    from .synthetic import generate_county
    from .units.cli import import_units

    for command in (
        seed_demo,
        create_user,
        import_units,
        import_households,
        import_incidents,
        verify_ledger,
        close_month,
        compute_scores,
        generate_county,
        propose_stars,
    ):
        app.cli.add_command(command)
