"""Factory callables for tests. Password hashes are computed once."""

from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from werkzeug.security import generate_password_hash

from moral_bank.auth.models import RoleAssignment, User
from moral_bank.core.db import db, utcnow
from moral_bank.households import service as households
from moral_bank.households.models import Household
from moral_bank.ledger import service as ledger
from moral_bank.units import service as units
from moral_bank.units.models import Unit

PASSWORD = "correct horse 1"


@cache
def password_hash() -> str:
    # A cheap hash keeps hundreds of test sign-ins fast; the app itself uses scrypt.
    return generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


def unit(code: str, kind: str, parent: Unit | None = None, name: str | None = None) -> Unit:
    return units.create_unit(code, name or f"{kind} {code}", kind, parent)


def household(village: Unit, code: str, head: str = "王四保", members=("王小军",)) -> Household:
    return households.create_household(village, code, head, list(members), address="1号", phone="13900000000")


def user(username: str, role: str | None = None, on: Unit | None = None, member=None) -> User:
    u = User(username=username, display_name=username, password_hash=password_hash())
    db.session.add(u)
    if role:
        db.session.add(RoleAssignment(user=u, role=role, unit=on))
    if member is not None:
        u.member = member
    db.session.flush()
    return u


def award(h: Household, points: int, key: str, memo: str = "good deed"):
    """Points from the village's issuance account to a household."""
    issuance = ledger.issuance_account(h.unit)
    return ledger.transfer(issuance, h.account, points, "deed", idempotency_key=key, memo=memo)


@dataclass
class World:
    county: Unit
    township: Unit
    village: Unit
    school: Unit
    other_township: Unit
    other_village: Unit
    h1: Household
    h2: Household
    other_h: Household
    users: dict[str, User]


ROLE_UNITS = {
    "county_admin": "county",
    "township_admin": "township",
    "unit_admin": "village",
    "scorer": "village",
    "clerk": "village",
    "resident": "village",
}


def world() -> World:
    """A county with two townships; one village holds h1 (with a resident login) and h2."""
    county = unit("C", "county", name="蒲县")
    township = unit("T1", "township", county, "克城镇")
    village = unit("V1", "village", township, "山中村")
    school = unit("S1", "school", township, "中心学校")
    other_township = unit("T2", "township", county, "黑龙关镇")
    other_village = unit("V2", "village", other_township, "黑龙关村")
    h1 = household(village, "H1", "王四保", ["王小军", "李秀英"])
    h2 = household(village, "H2", "张建国", [])
    other_h = household(other_village, "H3", "刘玉兰", [])
    places = {"county": county, "township": township, "village": village}
    users = {}
    for role, place in ROLE_UNITS.items():
        member = h1.members[0] if role == "resident" else None
        users[role] = user(role, role, places[place], member)
    db.session.commit()
    return World(county, township, village, school, other_township, other_village, h1, h2, other_h, users)


def notice_with_objection(w: World):
    """H1's approved sheet of last month on the village's notice board, with one open objection."""
    from moral_bank.core.time import month_of, today
    from moral_bank.demo import RUBRIC
    from moral_bank.scoring import notices, review, sheets
    from moral_bank.scoring import service as scoring

    admin = w.users["unit_admin"]
    if scoring.rubric_in_force(w.village) is None:
        items = [{"code": c, "category": k, "name": n, "max_points": m} for c, k, n, m in RUBRIC]
        scoring.new_rubric_version(w.county, items)
    month = month_of(today().replace(day=1) - timedelta(days=1))
    scores = {code: max_points // 2 for code, _c, _n, max_points in RUBRIC}
    sheet, _ = sheets.save_sheet(w.h1, month, scores, "", admin, submit=True)
    review.review(sheet, True, "", admin)
    notice = notices.publish(w.village, month, admin)
    objection = notices.object_to(notice, notice.lines[0].id, "李大妈", "13900001111", "分数偏高")
    db.session.commit()
    return notice, objection


def balance(h) -> int:
    """A household's balance, read from the database now."""
    return ledger.current_balance(h.account.id)


def publish_and_post(w) -> int:
    """Publish the village's notice for this month, check it cannot post before its period ends, end
    the period and post it. Returns how many lines posted."""
    from moral_bank.core.errors import Conflict
    from moral_bank.core.time import month_of
    from moral_bank.scoring import notices

    admin = w.users["unit_admin"]
    notice = notices.publish(w.village, month_of(), admin)
    try:
        notices.post(notice, admin)
    except Conflict:  # the notice period has not ended
        pass
    else:
        raise AssertionError("a notice posted before its period ended")
    notice.ends_at = utcnow() - timedelta(seconds=1)
    return notices.post(notice, admin)
