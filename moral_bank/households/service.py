"""Households and members: create, edit, list, import and export."""

import re

from flask_babel import gettext as _
from sqlalchemy import func, insert, or_, select

from ..cards import service as cards
from ..core import audit, permissions
from ..core.db import db
from ..core.errors import DomainError, raise_field_errors
from ..core.tabular import Table
from ..core.time import month_of
from ..governance import service as governance
from ..ledger import service as ledger
from ..ledger.models import Account
from ..units.models import MORAL_BANK_KINDS, Unit
from .models import Household, Member

COLUMNS = ("unit_code", "household_code", "head_name", "members", "address", "phone")
CODE_RE = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")
PHONE_RE = re.compile(r"^\+?[0-9][0-9 -]{4,18}$")


def split_members(text: str) -> list[str]:
    return [n.strip() for n in re.split(r"[;；]", text or "") if n.strip()]


def _field_errors(code: str, head_name: str, members: list[str], address: str, phone: str) -> list[tuple[str, str]]:
    errors = []
    if not CODE_RE.match(code or ""):
        errors.append(("code", _("The household code must be 1–32 letters, digits, '-', '_' or '.'.")))
    if not head_name or len(head_name) > 50:
        errors.append(("head_name", _("The head of household's name is required (at most 50 characters).")))
    if any(len(m) > 50 for m in members):
        errors.append(("members", _("A member's name may have at most 50 characters.")))
    if len(address or "") > 200:
        errors.append(("address", _("The address may have at most 200 characters.")))
    if phone and not PHONE_RE.match(phone):
        errors.append(("phone", _("The phone number may hold only digits, spaces, '-' and a leading '+'.")))
    return errors


def _check_unit(unit: Unit) -> None:
    if unit.kind not in MORAL_BANK_KINDS:
        raise DomainError(_("Households belong to a village or community."), field="unit")


def _member_list(head_name: str, members: list[str]) -> list[Member]:
    names = [head_name] + [m for m in members if m != head_name]
    return [Member(name=n, is_head=(i == 0)) for i, n in enumerate(names)]


def create_household(
    unit: Unit,
    code: str,
    head_name: str,
    members: list[str] | None = None,
    address: str = "",
    phone: str = "",
    grid_cell: str = "",
    actor=None,
) -> Household:
    """A household with its members (the head first) and its passbook account."""
    code, head_name = (code or "").strip(), (head_name or "").strip()
    members = members or []
    _check_unit(unit)
    errors = _field_errors(code, head_name, members, address, phone)
    if by_code(unit, code) is not None:
        errors.append(("code", _("The household code %(code)s is already used in this unit.", code=code)))
    raise_field_errors(errors)
    household = Household(
        unit=unit,
        code=code,
        head_name=head_name,
        address=address.strip(),
        phone=phone.strip(),
        grid_cell=grid_cell.strip(),
    )
    household.members = _member_list(head_name, members)
    db.session.add(household)
    ledger.open_household_account(household)
    db.session.flush()
    cards.issue_missing([household.id], actor)
    audit.record("household.create", household, actor=actor, code=code)
    governance.touch(unit.id, month_of())  # the unit's household count
    return household


def update_household(
    household: Household, head_name: str, address: str, phone: str, grid_cell: str, actor=None
) -> Household:
    head_name = (head_name or "").strip()
    raise_field_errors(_field_errors(household.code, head_name, [], address, phone))
    household.head_name, household.address = head_name, address.strip()
    household.phone, household.grid_cell = phone.strip(), grid_cell.strip()
    head = next((m for m in household.members if m.is_head), None)
    if head is not None:
        head.name = head_name
    household.account.name = head_name
    db.session.flush()
    audit.record("household.update", household, actor=actor)
    return household


def add_member(household: Household, name: str, actor=None) -> Member:
    name = (name or "").strip()
    if not name or len(name) > 50:
        raise DomainError(_("The member's name is required (at most 50 characters)."), field="name")
    member = Member(name=name)
    household.members.append(member)
    db.session.flush()
    audit.record("member.add", household, actor=actor, member=name)
    return member


def remove_member(member: Member, actor=None) -> None:
    from ..auth.models import User

    if member.is_head:
        raise DomainError(_("The head of household cannot be removed; change the head first."))
    if db.session.scalar(select(User.id).where(User.member_id == member.id)) is not None:
        raise DomainError(_("This member has a login; remove the resident role first."))
    household = member.household
    household.members.remove(member)
    db.session.flush()
    audit.record("member.remove", household, actor=actor, member=member.name)


def by_code(unit: Unit, code: str) -> Household | None:
    return db.session.scalar(select(Household).where(Household.unit_id == unit.id, Household.code == code))


def list_query(unit: Unit, search: str = ""):
    """Households of a unit with their accounts loaded, ordered by code."""
    stmt = (
        select(Household)
        .where(Household.unit_id == unit.id)
        .options(db.joinedload(Household.account))
        .order_by(Household.code)
    )
    if search:
        like = f"%{search.strip()}%"
        stmt = stmt.where(or_(Household.code.ilike(like), Household.head_name.ilike(like), Household.phone.ilike(like)))
    return stmt


def count_in(unit: Unit) -> int:
    return db.session.scalar(select(func.count(Household.id)).join(Unit).where(Unit.path.startswith(unit.path))) or 0


# --- import and export -----------------------------------------------------


def validate_import(table: Table, actor=None) -> Table:
    units = {c: (i, k, p) for c, i, k, p in db.session.execute(select(Unit.code, Unit.id, Unit.kind, Unit.path))}
    unit_ids = {units[r["unit_code"]][0] for r in table.rows if r["unit_code"] in units}
    taken = (
        set(db.session.execute(select(Household.unit_id, Household.code).where(Household.unit_id.in_(unit_ids))).all())
        if unit_ids
        else set()
    )
    admin_paths = [a.unit.path for a in permissions.assignments(actor, permissions.ADMINS)] if actor else None
    seen: dict[tuple[str, str], int] = {}
    for row in table.rows:
        line, unit_code, code = row["_line"], row["unit_code"], row["household_code"]
        unit = units.get(unit_code)
        if unit is None:
            table.errors.append((line, _("No unit has the code %(code)s.", code=unit_code)))
        elif unit[1] not in MORAL_BANK_KINDS:
            table.errors.append((line, _("Households belong to a village or community.")))
        elif admin_paths is not None and not any(unit[2].startswith(p) for p in admin_paths):
            table.errors.append((line, _("You may not add households to %(code)s.", code=unit_code)))
        elif (unit[0], code) in taken:
            table.errors.append((line, _("The household code %(code)s is already used in this unit.", code=code)))
        for _field, message in _field_errors(
            code, row["head_name"], split_members(row["members"]), row["address"], row["phone"]
        ):
            table.errors.append((line, message))
        key = (unit_code, code)
        if key in seen:
            table.errors.append(
                (
                    line,
                    _("The household %(code)s appears twice in the file (line %(other)s).", code=code, other=seen[key]),
                )
            )
        seen.setdefault(key, line)
    table.errors.sort()
    return table


def import_households(table: Table, actor=None) -> int:
    """Insert every row of a table that validates; nothing if any row is bad."""
    if validate_import(Table(rows=table.rows), actor).errors:
        raise DomainError(_("The file has errors; nothing was imported."), field="file")
    unit_ids = dict(db.session.execute(select(Unit.code, Unit.id)).all())
    created = db.session.execute(
        insert(Household).returning(Household.id, Household.unit_id, Household.code),
        [
            {
                "unit_id": unit_ids[r["unit_code"]],
                "code": r["household_code"],
                "head_name": r["head_name"],
                "address": r["address"],
                "phone": r["phone"],
                "grid_cell": "",
            }
            for r in table.rows
        ],
    ).all()
    ids = {(uid, code): hid for hid, uid, code in created}
    members, accounts = [], []
    for r in table.rows:
        uid = unit_ids[r["unit_code"]]
        hid = ids[(uid, r["household_code"])]
        for m in _member_list(r["head_name"], split_members(r["members"])):
            members.append({"household_id": hid, "name": m.name, "is_head": m.is_head, "phone": ""})
        accounts.append(
            {"kind": "household", "unit_id": uid, "household_id": hid, "name": r["head_name"], "balance": 0}
        )
    db.session.execute(insert(Member), members)
    db.session.execute(insert(Account), accounts)
    cards.issue_missing(list(ids.values()), actor)
    audit.record("household.import", actor=actor, count=len(table.rows))
    for uid in {uid for uid, _code in ids}:
        governance.touch(uid, month_of())
    return len(table.rows)


def export_rows(root: Unit):
    stmt = (
        select(Household, Unit.code)
        .join(Unit)
        .where(Unit.path.startswith(root.path))
        .order_by(Unit.path, Household.code)
        .options(db.selectinload(Household.members))
    )
    for household, unit_code in db.session.execute(stmt):
        others = [m.name for m in household.members if not m.is_head]
        yield (unit_code, household.code, household.head_name, ";".join(others), household.address, household.phone)
