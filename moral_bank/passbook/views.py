from flask import Blueprint, abort, render_template, request
from flask_babel import get_locale
from markupsafe import Markup

from ..core.db import db
from ..core.extensions import cache
from ..core.permissions import ANY_ROLE, require_household, roles_required
from ..engagement import speech
from ..households.models import Household
from . import service

bp = Blueprint("passbook", __name__)


@bp.get("/households/<int:household_id>/passbook")
@roles_required(*ANY_ROLE)
def passbook(household_id: int):
    head = service.head(household_id)
    if head is None:
        abort(404)
    require_household(head)
    page = max(1, min(request.args.get("page", 1, type=int) or 1, service.LAST_PAGE))
    # The history is the same for everyone until the next entry: keep it rendered.
    key = service.history_key(head, page, str(get_locale()))
    history = cache.get(key)
    if history is None:
        household = db.session.get(Household, head.id)
        history = render_template("passbook/_history.html", p=service.page_of(household, page))
        cache.set(key, history)
    spoken = speech.passbook_text(head.account_id, head.balance)
    return render_template("passbook/passbook.html", household=head, history=Markup(history), spoken=spoken)
