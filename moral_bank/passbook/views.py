from flask import Blueprint, render_template, request

from ..core.db import db
from ..core.permissions import ANY_ROLE, require_household, roles_required
from ..households.models import Household
from . import service

bp = Blueprint("passbook", __name__)


@bp.get("/households/<int:household_id>/passbook")
@roles_required(*ANY_ROLE)
def passbook(household_id: int):
    household = db.get_or_404(Household, household_id)
    require_household(household)
    page = service.page_of(household, request.args.get("page", 1, type=int) or 1)
    return render_template("passbook/passbook.html", p=page)
