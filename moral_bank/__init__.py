"""The Moral Bank portal (道德银行): create_app() builds the Flask application."""

from flask import Flask


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder="../templates",
        static_folder="../static",
    )
    from . import config

    config.load(app, overrides)

    from .core import extensions as ext
    from .core import web
    from .core.db import db
    from .core.i18n import select_locale

    db.init_app(app)
    ext.migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"), render_as_batch=True)
    ext.csrf.init_app(app)
    ext.babel.init_app(app, locale_selector=select_locale)
    ext.limiter.init_app(app)
    ext.cache.init_app(app)
    ext.login_manager.init_app(app)

    from . import models  # noqa: F401  (every model registered before migrations/CLI)

    web.init_app(app)

    from .activities.views import bp as activities_bp
    from .admin.views import bp as users_bp
    from .api.views import bp as api_bp
    from .auth.views import bp as auth_bp
    from .cards.views import bp as cards_bp
    from .claims.views import bp as claims_bp
    from .engagement.views import bp as engagement_bp
    from .governance.dashboard_views import bp as dashboards_bp
    from .governance.incident_views import bp as incidents_bp
    from .governance.views import bp as governance_bp
    from .honors.views import bp as honors_bp
    from .honors.views import public_bp as honors_public_bp
    from .households.views import bp as households_bp
    from .passbook.views import bp as passbook_bp
    from .public.views import bp as main_bp
    from .scoring.board import bp as board_bp
    from .scoring.views import bp as scoring_bp
    from .shop.report_views import bp as shop_reports_bp
    from .shop.views import bp as shop_bp
    from .shop.wish_views import bp as wishes_bp
    from .units.views import bp as units_bp

    for bp in (
        main_bp,
        auth_bp,
        units_bp,
        households_bp,
        passbook_bp,
        cards_bp,
        claims_bp,
        users_bp,
        scoring_bp,
        board_bp,
        shop_bp,
        honors_bp,
        honors_public_bp,
        governance_bp,
        shop_reports_bp,
        wishes_bp,
        incidents_bp,
        dashboards_bp,
        engagement_bp,
        activities_bp,
        api_bp,
    ):
        app.register_blueprint(bp)
    ext.csrf.exempt(api_bp)  # the API uses bearer tokens, not cookies

    from .cli import register as register_cli

    register_cli(app)
    return app
