"""The unit tree: creating, editing, listing, importing and exporting units."""

import re

from flask_babel import gettext as _
from sqlalchemy import func, insert, select, update

from ..core import audit, permissions
from ..core.db import db
from ..core.errors import DomainError, NotAllowed, raise_field_errors
from ..core.tabular import Table
from ..ledger.models import Account
from .models import AREA_KINDS, KINDS, MORAL_BANK_KINDS, Unit

COLUMNS = ("code", "name", "kind", "parent_code")
CODE_RE = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")


def by_code(code: str) -> Unit | None:
    return db.session.scalar(select(Unit).where(Unit.code == (code or "").strip()))


def parent_rule_error(kind: str, parent_kind: str | None) -> str | None:
    """Why a unit of `kind` may not sit under `parent_kind` (None when it may)."""
    if kind == "county":
        return None if parent_kind is None else _("A county has no parent.")
    if parent_kind is None:
        return _("Only a county may have no parent.")
    if kind == "township":
        return None if parent_kind == "county" else _("A township must belong to a county.")
    if parent_kind not in AREA_KINDS:
        return _("A unit must belong to a township or a county.")
    return None


def _check_fields(code: str, name: str, kind: str) -> list[tuple[str, str]]:
    errors = []
    if not CODE_RE.match(code):
        errors.append(("code", _("The code must be 1–32 letters, digits, '-', '_' or '.'.")))
    if not name or len(name) > 100:
        errors.append(("name", _("The name is required (at most 100 characters).")))
    if kind not in KINDS:
        errors.append(("kind", _("Unknown kind: %(kind)s.", kind=kind)))
    return errors


def _may_create_under(actor, parent: Unit | None) -> bool:
    if actor is None:  # the command line
        return True
    if parent is None:
        return False
    return permissions.has_role(actor, ("county_admin", "township_admin"), parent)


def create_unit(code: str, name: str, kind: str, parent: Unit | None, actor=None) -> Unit:
    code, name = (code or "").strip(), (name or "").strip()
    errors = _check_fields(code, name, kind)
    problem = parent_rule_error(kind, parent.kind if parent else None)
    if problem:
        errors.append(("parent_code", problem))
    if by_code(code) is not None:
        errors.append(("code", _("The code %(code)s is already used.", code=code)))
    raise_field_errors(errors)
    if not _may_create_under(actor, parent):
        raise NotAllowed(_("You may not add units here."))
    unit = Unit(code=code, name=name, kind=kind, parent=parent)
    db.session.add(unit)
    db.session.flush()
    unit.path = (parent.path if parent else "/") + f"{unit.id}/"
    if kind in MORAL_BANK_KINDS:
        db.session.add(Account(kind="issuance", unit_id=unit.id, name=name))
    db.session.flush()
    audit.record("unit.create", unit, actor=actor, unit_id=unit.id, code=code)
    return unit


def update_unit(unit: Unit, name: str, kind: str, actor=None) -> Unit:
    name = (name or "").strip()
    raise_field_errors(_check_fields(unit.code, name, kind))
    if (kind in AREA_KINDS or unit.kind in AREA_KINDS) and kind != unit.kind:
        raise DomainError(_("A county or township cannot change its kind."), field="kind")
    if unit.kind in MORAL_BANK_KINDS and kind not in MORAL_BANK_KINDS and unit_has_households(unit):
        raise DomainError(_("This unit has households, so it must stay a village or community."), field="kind")
    changes = {k: v for k, v in (("name", name), ("kind", kind)) if getattr(unit, k) != v}
    unit.name, unit.kind = name, kind
    if kind in MORAL_BANK_KINDS and not db.session.scalar(
        select(Account.id).where(Account.kind == "issuance", Account.unit_id == unit.id)
    ):
        db.session.add(Account(kind="issuance", unit_id=unit.id, name=name))
    db.session.flush()
    audit.record("unit.update", unit, actor=actor, unit_id=unit.id, **changes)
    return unit


def unit_has_households(unit: Unit) -> bool:
    from ..households.models import Household

    return db.session.scalar(select(Household.id).where(Household.unit_id == unit.id).limit(1)) is not None


def visible_roots(actor, roles=permissions.ADMINS) -> list[Unit]:
    """The top units the actor administers (no unit listed twice)."""
    units = sorted({a.unit for a in permissions.assignments(actor, roles)}, key=lambda u: u.path)
    roots: list[Unit] = []
    for u in units:
        if not any(r.contains(u) for r in roots):
            roots.append(u)
    return roots


def visible_units_query(actor, roles=permissions.ADMINS, kinds: tuple[str, ...] | None = None):
    stmt = select(Unit).where(permissions.unit_filter(actor, roles, Unit)).order_by(Unit.path)
    if kinds:
        stmt = stmt.where(Unit.kind.in_(kinds))
    return stmt


def subtree_counts(unit: Unit) -> dict[str, int]:
    rows = db.session.execute(
        select(Unit.kind, func.count()).where(Unit.path.startswith(unit.path), Unit.id != unit.id).group_by(Unit.kind)
    ).all()
    return {k: n for k, n in rows}


# --- import and export -----------------------------------------------------


def validate_import(table: Table, actor=None) -> Table:
    """Check every row; fill table.errors with (line, reason). Rows are not saved."""
    existing = {c: (i, k) for c, i, k in db.session.execute(select(Unit.code, Unit.path, Unit.kind))}
    in_file: dict[str, dict] = {}
    for row in table.rows:
        line, code = row["_line"], row["code"]
        for _field, message in _check_fields(code, row["name"], row["kind"]):
            table.errors.append((line, message))
        if code in existing:
            table.errors.append((line, _("The code %(code)s is already used.", code=code)))
        elif code in in_file:
            table.errors.append(
                (
                    line,
                    _(
                        "The code %(code)s appears twice in the file (line %(other)s).",
                        code=code,
                        other=in_file[code]["_line"],
                    ),
                )
            )
        else:
            in_file[code] = row
    for row in table.rows:
        if row["kind"] not in KINDS:
            continue
        parent_code = row["parent_code"]
        parent_kind = None
        if parent_code:
            if parent_code in existing:
                parent_kind = existing[parent_code][1]
            elif parent_code in in_file:
                parent_kind = in_file[parent_code]["kind"]
            else:
                table.errors.append((row["_line"], _("The parent code %(code)s is not known.", code=parent_code)))
                continue
        problem = parent_rule_error(row["kind"], parent_kind)
        if problem:
            table.errors.append((row["_line"], problem))
        elif actor is not None and parent_code in existing and not _actor_covers_path(actor, existing[parent_code][0]):
            table.errors.append((row["_line"], _("You may not add units under %(code)s.", code=parent_code)))
        elif actor is not None and not parent_code:
            table.errors.append((row["_line"], _("You may not add units here.")))
    table.errors.sort()
    return table


def _actor_covers_path(actor, path: str) -> bool:
    return any(path.startswith(a.unit.path) for a in permissions.assignments(actor, ("county_admin", "township_admin")))


def import_units(table: Table, actor=None) -> int:
    """Insert every row of a validated table (parents before children). Returns the count."""
    if validate_import(Table(rows=table.rows), actor).errors:
        raise DomainError(_("The file has errors; nothing was imported."), field="file")
    paths = {c: (i, p) for c, i, p in db.session.execute(select(Unit.code, Unit.id, Unit.path))}
    pending = list(table.rows)
    while pending:
        ready = [r for r in pending if not r["parent_code"] or r["parent_code"] in paths]
        pending = [r for r in pending if r["parent_code"] and r["parent_code"] not in paths]
        if not ready:
            raise DomainError(_("The file has errors; nothing was imported."), field="file")
        created = db.session.execute(
            insert(Unit).returning(Unit.id, Unit.code),
            [
                {
                    "code": r["code"],
                    "name": r["name"],
                    "kind": r["kind"],
                    "parent_id": paths[r["parent_code"]][0] if r["parent_code"] else None,
                    "path": "",
                }
                for r in ready
            ],
        ).all()
        ids = {code: uid for uid, code in created}
        updates = []
        for r in ready:
            parent_path = paths[r["parent_code"]][1] if r["parent_code"] else "/"
            path = f"{parent_path}{ids[r['code']]}/"
            paths[r["code"]] = (ids[r["code"]], path)
            updates.append({"id": ids[r["code"]], "path": path})
        db.session.execute(update(Unit), updates)
        accounts = [
            {"kind": "issuance", "unit_id": ids[r["code"]], "name": r["name"], "balance": 0}
            for r in ready
            if r["kind"] in MORAL_BANK_KINDS
        ]
        if accounts:
            db.session.execute(insert(Account), accounts)
    audit.record("unit.import", actor=actor, count=len(table.rows))
    return len(table.rows)


def export_rows(root: Unit):
    parent = db.aliased(Unit)
    stmt = (
        select(Unit.code, Unit.name, Unit.kind, parent.code)
        .outerjoin(parent, Unit.parent_id == parent.id)
        .where(Unit.path.startswith(root.path))
        .order_by(Unit.path)
    )
    for code, name, kind, parent_code in db.session.execute(stmt):
        yield (code, name, kind, parent_code or "")


def require_not_none(unit: Unit | None, code: str) -> Unit:
    if unit is None:
        raise DomainError(_("No unit has the code %(code)s.", code=code), field="unit")
    return unit


def check_admin(actor, unit: Unit) -> None:
    if not permissions.has_role(actor, permissions.ADMINS, unit):
        raise NotAllowed(_("You are not allowed to do this."))
