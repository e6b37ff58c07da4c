"""`flask generate-county`: a synthetic county for benchmarks and trials (67 villages, 30,000 households and
24 months of history by default), written with bulk inserts in one transaction.

The county has townships, villages and communities, households with members and passbooks, the demo's
rubric, deed categories and default stars; then month by month (synthetic_history.py) rating sheets,
good deeds and deductions, the month's notice posted through ledger entries that balance, the approved
honor roll of every month but the last (its bonus posted too), and finally every unit's scores.
"""

import random
import time

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from sqlalchemy import func, select

from .core.bulk import Bulk
from .core.db import db, utcnow
from .core.errors import raise_field_errors
from .demo import DEED_CATEGORIES, HEADS, RUBRIC
from .honors import service as honors
from .scoring import deeds
from .scoring import service as scoring
from .scoring.models import UnitSettings
from .units import service as units
from .units.models import Unit

TOWNSHIPS = ["蒲城镇", "薛关镇", "黑龙关镇", "克城镇", "山中乡", "古县乡", "红道乡", "太林乡", "乔家湾乡"]
VILLAGE_WORDS = ["东", "西", "南", "北", "上", "下", "前", "后", "王", "李", "张", "刘", "赵", "杨", "陈", "马"]
VILLAGE_ENDS = ["家庄", "家沟", "家岭", "峪", "坡", "湾", "河", "店", "垣", "坪"]
SURNAMES = sorted({h[0] for h in HEADS} | set("郝韩冯贾薛任乔段霍范"))
GIVEN = "保国建军秀英兰芳明华玉梅春生喜旺满仓德胜有福丽萍海燕巧云宝山志强桂香永红淑珍长"
MAX_UNITS, MAX_HOUSEHOLDS, MAX_MONTHS = 1000, 1_000_000, 120


def check_sizes(units_count: int, households: int, months: int, townships: int) -> None:
    """Refuse sizes the generator does not make, every bad one at once."""
    errors = []
    if not 1 <= units_count <= MAX_UNITS:
        errors.append(("units", _("Give from 1 to %(n)s villages and communities.", n=f"{MAX_UNITS:,}")))
    if not units_count <= households <= MAX_HOUSEHOLDS:
        errors.append(
            (
                "households",
                _(
                    "Give at least one household per village (%(min)s) and at most %(max)s.",
                    min=f"{max(units_count, 1):,}",
                    max=f"{MAX_HOUSEHOLDS:,}",
                ),
            )
        )
    if not 1 <= months <= MAX_MONTHS:
        errors.append(("months", _("Give from 1 to %(n)s months of history.", n=MAX_MONTHS)))
    if not 1 <= townships <= max(units_count, 1):
        errors.append(("townships", _("Give from 1 township to one per village (%(n)s).", n=max(units_count, 1))))
    raise_field_errors(errors)


def _split(total: int, parts: int, rng: random.Random) -> list[int]:
    """`total` spread over `parts`, each at least 1, unevenly (as villages are)."""
    weights = [rng.uniform(0.6, 1.4) for _i in range(parts)]
    scale = (total - parts) / sum(weights)
    sizes = [1 + int(w * scale) for w in weights]
    for n in range(total - sum(sizes)):
        sizes[n % parts] += 1
    return sizes


def _person(rng: random.Random, surname: str | None = None) -> str:
    return (surname or rng.choice(SURNAMES)) + "".join(rng.choice(GIVEN) for _i in range(rng.choice((1, 2, 2))))


def build_tree(code: str, units_count: int, townships: int, rng: random.Random) -> tuple[Unit, list[Unit]]:
    """The county, its townships and its villages and communities (every eighth one a community)."""
    county = units.create_unit(code, "蒲县" if code == "PX" else f"{code}县", "county", None)
    areas = [
        units.create_unit(
            f"{code}-T{n + 1:02d}", TOWNSHIPS[n] if n < len(TOWNSHIPS) else f"第{n + 1}乡", "township", county
        )
        for n in range(townships)
    ]
    made, names = [], set()
    for n in range(units_count):
        community = n % 8 == 7
        name = f"{areas[n % townships].name[:-1]}社区{n // 8 + 1}" if community else ""
        while not name or name in names:
            name = rng.choice(VILLAGE_WORDS) + rng.choice(VILLAGE_WORDS[8:]) + rng.choice(VILLAGE_ENDS) + "村"
            if name in names:
                name = f"{name[:-1]}{n + 1}村"
        names.add(name)
        kind = "community" if community else "village"
        made.append(units.create_unit(f"{code}-V{n + 1:03d}", name, kind, areas[n % townships]))
    return county, made


def setup_county(county: Unit, villages: list[Unit]) -> None:
    """The demo's rubric and deed categories, the default stars, and unit settings (the black list shown
    on every fourth roll)."""
    scoring.new_rubric_version(
        county, [{"code": c, "category": k, "name": n, "max_points": m} for c, k, n, m in RUBRIC], note="评分标准"
    )
    for code, name, kind, limit in DEED_CATEGORIES:
        deeds.add_category(county, code, name, kind, limit)
    honors.ensure_defaults(county)
    for n, village in enumerate(villages):
        db.session.add(
            UnitSettings(
                unit_id=village.id,
                notice_days=3,
                name_privacy="masked",
                pin_threshold=200,
                black_list_public=n % 4 == 0,
                black_list_threshold=10,
                updated_at=utcnow(),
            )
        )
    db.session.flush()


def add_households(bulk: Bulk, villages: list[Unit], sizes: list[int], rng: random.Random) -> list[list[tuple]]:
    """Households with 1–5 members and a passbook each. Returns per village [(household id, code, account
    id, virtue 0..1)]."""
    bulk.table("household", ("id", "unit_id", "code", "head_name", "address", "grid_cell", "phone", "created_at"))
    bulk.table("member", ("id", "household_id", "name", "is_head", "phone", "created_at"))
    bulk.table("account", ("id", "kind", "unit_id", "household_id", "name", "balance", "created_at"))
    now = bulk.stamp(utcnow())
    per_village = []
    for village, size in zip(villages, sizes, strict=True):
        listed = []
        for n in range(size):
            hid, code = bulk.new_id("household"), f"H{n + 1:04d}"
            head = _person(rng)
            phone = f"139{rng.randrange(10**8):08d}"
            cell = f"{n // 30 + 1}组"
            bulk.add("household", (hid, village.id, code, head, f"{village.name}{n + 1}号", cell, phone, now))
            bulk.add("member", (bulk.new_id("member"), hid, head, True, phone, now))
            for _m in range(rng.choice((0, 1, 2, 2, 3, 3, 4))):
                bulk.add("member", (bulk.new_id("member"), hid, _person(rng, head[0]), False, "", now))
            aid = bulk.new_id("account")
            bulk.add("account", (aid, "household", village.id, hid, head, 0, now))
            listed.append((hid, code, aid, rng.random()))
        per_village.append(listed)
    bulk.flush()
    return per_village


def generate(
    code: str, units_count: int, households: int, months: int, townships: int, seed: int, echo=print
) -> dict[str, int]:
    """Build the county and its history in the current transaction (the caller commits). Returns row counts."""
    from .synthetic_history import History

    check_sizes(units_count, households, months, townships)
    if units.by_code(code) is not None:
        raise_field_errors([("code", _("The code %(code)s is already used.", code=code))])
    rng = random.Random(seed)
    county, villages = build_tree(code, units_count, townships, rng)
    setup_county(county, villages)
    bulk = Bulk()
    per_village = add_households(bulk, villages, _split(households, units_count, rng), rng)
    history = History(bulk, county, villages, per_village, rng)
    for month in history.months(months):
        echo(history.month(month))
    echo(history.finish())
    return dict(bulk.written)


@click.command("generate-county")
@click.option("--units", "units_count", default=67, show_default=True, help="Villages and communities.")
@click.option("--households", default=30_000, show_default=True, help="Households in all.")
@click.option("--months", default=24, show_default=True, help="Months of history, up to last month.")
@click.option("--townships", default=9, show_default=True, help="Townships (at most one per village).")
@click.option("--code", default="PX", show_default=True, help="The county's code.")
@click.option("--seed", default=2026, show_default=True, help="The same seed makes the same county.")
@click.option("--force", is_flag=True, help="Add the county even though the database already has units.")
@with_appcontext
def generate_county(units_count, households, months, townships, code, seed, force) -> None:
    """Generate a synthetic county with its history (for benchmarks and trials), in one transaction."""
    from .core.errors import DomainError, FieldErrors

    if not force and db.session.scalar(select(func.count(Unit.id))):
        raise click.ClickException(
            _("This database already has units; generate a county only into an empty one, or add --force.")
        )
    townships = min(townships, units_count) if townships == 9 and units_count >= 1 else townships
    started = time.perf_counter()
    try:
        counts = generate(code, units_count, households, months, townships, seed, echo=click.echo)
    except FieldErrors as exc:
        db.session.rollback()
        raise click.UsageError("\n".join(f"--{field}: {message}" for field, message in exc.fields.items())) from None
    except DomainError as exc:
        db.session.rollback()
        raise click.UsageError(exc.message) from None
    db.session.commit()
    click.echo(
        _(
            "County %(code)s generated in %(s)s s: %(rows)s rows.",
            code=code,
            s=f"{time.perf_counter() - started:.0f}",
            rows=f"{sum(counts.values()):,}",
        )
    )
