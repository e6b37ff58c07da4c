"""`flask seed-demo`: a small county to try the portal with. Safe to run twice."""

from datetime import timedelta

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from .activities import attendance
from .activities import service as activities
from .admin import service as admin
from .auth import pins
from .auth import service as auth
from .claims import service as claims
from .core import time
from .core.db import db, utcnow
from .engagement import service as announcements
from .governance import service as governance
from .honors import service as honors
from .households import service as households
from .scoring import deeds, notices, review, sheets
from .scoring import service as scoring
from .shop import service as shop
from .shop import wishes
from .shop.models import Wish
from .units import service as units

PASSWORD = "demo-2026"
# 王四保 (SZ001) also signs in as residents do: mobile number and PIN.
RESIDENT_PHONE, RESIDENT_PIN = "13903570000", "2026"

# 孝善信勤简美, two items each; a household can earn up to 90 points a month.
RUBRIC = [
    ("xiao-elders", "xiao", "孝敬老人", 10),
    ("xiao-children", "xiao", "关爱子女", 5),
    ("shan-neighbours", "shan", "邻里互助", 8),
    ("shan-public", "shan", "热心公益", 7),
    ("xin-honest", "xin", "诚实守信", 8),
    ("xin-law", "xin", "遵纪守法", 7),
    ("qin-work", "qin", "勤劳致富", 8),
    ("qin-yard", "qin", "庭院经济", 7),
    ("jian-customs", "jian", "移风易俗", 8),
    ("jian-ceremony", "jian", "红白事简办", 7),
    ("mei-clean", "mei", "卫生整洁", 8),
    ("mei-garden", "mei", "美化庭院", 7),
]

UNITS = [
    ("PX", "蒲县", "county", None),
    ("PX-KC", "克城镇", "township", "PX"),
    ("PX-HLG", "黑龙关镇", "township", "PX"),
    ("PX-KC-SZ", "山中村", "village", "PX-KC"),
    ("PX-KC-DP", "东坡村", "village", "PX-KC"),
    ("PX-KC-XQ", "克城社区", "community", "PX-KC"),
    ("PX-KC-ZX", "克城镇中心学校", "school", "PX-KC"),
    ("PX-HLG-HLG", "黑龙关村", "village", "PX-HLG"),
    ("PX-HLG-YY", "黑龙关镇卫生院", "hospital", "PX-HLG"),
    ("PX-KC-SC", "克城农贸市场", "market", "PX-KC"),
    ("PX-KC-QY", "蒲县富民农业合作社", "enterprise", "PX-KC"),
    ("PX-KC-MK", "克城煤矿", "factory_mine", "PX-KC"),
    ("PX-KC-ZZ", "克城镇农技站", "institution", "PX-KC"),
]
# Last month's three-zero ledger of 克城镇: its units come out in every colour (the school, with
# nothing, is green). (unit, kind, subkind, days before the 1st of this month, summary, resolved?, escalated)
INCIDENTS = [
    ("PX-KC-SC", "dispute", "", 20, "摊位占道纠纷", False, False),
    ("PX-KC-QY", "accident", "production_safety", 18, "大棚作业跌伤一人", True, False),
    ("PX-KC-MK", "accident", "production_safety", 25, "井下运输车辆剐蹭", True, False),
    ("PX-KC-MK", "dispute", "", 22, "工资结算纠纷", True, False),
    ("PX-KC-MK", "dispute", "", 10, "宿舍分配纠纷", False, False),
    ("PX-KC-ZZ", "case", "public_order", 12, "办公室财物被盗", False, False),
    ("PX-KC-ZZ", "petition", "", 8, "补贴发放问题到县上访", False, True),
    ("PX-KC-ZZ", "dispute", "", 5, "土地流转合同纠纷", False, False),
    ("PX-KC-SZ", "dispute", "", 15, "宅基地边界纠纷", True, False),
    ("PX-KC-SZ", "hazard", "", 9, "村口桥梁护栏松动", True, False),
    ("PX-KC-DP", "hazard", "", 14, "废弃砖窑坍塌隐患", False, False),
    ("PX-HLG-HLG", "petition", "", 16, "饮水工程问题越级上访", True, True),
    # Earlier months, for the trends.
    ("PX-KC-SZ", "dispute", "", 70, "邻里排水纠纷", True, False),
    ("PX-KC-DP", "accident", "public_safety", 100, "村道摩托车侧翻", True, False),
    ("PX-HLG-YY", "dispute", "", 130, "医患沟通纠纷", True, False),
]

HEADS = [
    "王四保",
    "李秀英",
    "张建国",
    "刘玉兰",
    "陈志强",
    "杨桂芳",
    "赵国庆",
    "黄春梅",
    "周德胜",
    "吴翠花",
    "徐有福",
    "孙丽萍",
    "马长生",
    "朱海燕",
    "胡满仓",
    "郭淑珍",
    "何永红",
    "高喜旺",
    "林巧云",
    "罗宝山",
]
OTHERS = ["秀兰", "小军", "佳怡", "浩然", "桂香"]

LOGINS = [
    ("county", "county_admin", "PX", "", "县级管理员"),
    ("kecheng", "township_admin", "PX-KC", "", "克城镇管理员"),
    ("shanzhong", "unit_admin", "PX-KC-SZ", "", "山中村村委会"),
    ("scorer", "scorer", "PX-KC-SZ", "", "评分员 李明"),
    ("clerk", "clerk", "PX-KC-SZ", "", "积分超市 张店员"),
    ("wangsibao", "resident", "PX-KC-SZ", "SZ001", "王四保"),
]

# Deed categories with their limit per deed (awards, then the negative list).
DEED_CATEGORIES = [
    ("filial", "孝老爱亲", "award", 15),
    ("neighbours", "邻里互助", "award", 10),
    ("mediation", "矛盾调解", "award", 20),
    ("forest-fire", "护林防火", "award", 15),
    ("traffic", "交通劝导", "award", 10),
    ("culture", "文艺活动", "award", 10),
    ("courtyard", "庭院经济", "award", 10),
    ("hygiene", "环境卫生", "award", 8),
    ("bravery", "见义勇为", "award", 50),
    ("security", "治安巡逻", "award", 10),
    ("litter", "乱堆乱放", "deduction", 10),
    ("lavish", "大操大办", "deduction", 30),
    ("quarrel", "打架斗殴", "deduction", 30),
    ("unfilial", "不赡养老人", "deduction", 30),
]

# Deeds of last month (posted) and this month (on the notice board): household, category, points, reason.
LAST_MONTH_DEEDS = [
    ("SZ001", "mediation", 20, "调解邻里宅基地纠纷"),
    ("SZ001", "forest-fire", 15, "护林防火巡山"),
    ("SZ003", "bravery", 50, "见义勇为 救落水儿童"),
    ("SZ002", "litter", 5, "柴草乱堆 屡劝不改"),
]
THIS_MONTH_DEEDS = [("SZ006", "neighbours", 10, "帮邻居抢收玉米")]


def demo_scores(n: int) -> dict[str, int]:
    """Household n's scores: near the maximum, a point or three off here and there."""
    return {code: max(0, top - (n + i) % 4) for i, (code, _k, _name, top) in enumerate(RUBRIC)}


def _rate(village, code: str, month: str, n: int, who, submit: bool = True):
    sheet, _created = sheets.save_sheet(households.by_code(village, code), month, demo_scores(n), "", who, submit)
    return sheet


def _deed(village, code: str, category: str, points: int, reason: str, day, who):
    household = households.by_code(village, code)
    deed, _created = deeds.record_deed(household, category, points, reason, day.isoformat(), actor=who)
    return deed


def seed_scoring(village, scorer, head) -> None:
    """Last month rated, on notice and posted; this month with sheets in every state, a batch on the
    notice board with an objection, and an approved sheet waiting to be published."""
    if notices.notices_of(village, limit=1):
        return
    today = time.today()
    this_month = time.month_of()
    last_day = today.replace(day=1) - timedelta(days=1)
    last_month = time.month_of(last_day)
    assigned = scoring.assigned_household_ids(scorer, village)
    for n in range(20):
        code = f"SZ{n + 1:03d}"
        who = scorer if households.by_code(village, code).id in assigned else head
        review.review(_rate(village, code, last_month, n, who), True, "", head)
    for code, category, points, reason in LAST_MONTH_DEEDS:
        review.review(_deed(village, code, category, points, reason, last_day.replace(day=15), scorer), True, "", head)
    posted = notices.publish(village, last_month, head)
    posted.published_at = utcnow() - timedelta(days=10)
    posted.ends_at = posted.published_at + timedelta(days=posted.notice_days)
    notices.post(posted, head)
    corrected = next(ln for ln in notices.lines_of(posted) if ln.household.code == "SZ010" and ln.sheet_id)
    notices.correct(corrected, corrected.posted_points - 3, "入户复核：美化庭院一项多记3分", head)

    _rate(village, "SZ001", this_month, 0, scorer, submit=False)
    _rate(village, "SZ002", this_month, 1, scorer)
    _rate(village, "SZ003", this_month, 2, scorer)
    review.review(_rate(village, "SZ004", this_month, 3, scorer), False, "孝敬老人一项请入户核实后再报", head)
    for n in range(4, 8):
        review.review(_rate(village, f"SZ{n + 1:03d}", this_month, n, scorer), True, "", head)
    for code, category, points, reason in THIS_MONTH_DEEDS:
        review.review(_deed(village, code, category, points, reason, today, scorer), True, "", head)
    on_notice = notices.publish(village, this_month, head)
    line = next(ln for ln in notices.lines_of(on_notice) if ln.household.code == "SZ007")
    notices.object_to(on_notice, line.id, "李大妈", "13903571234", "他家门口柴草一直没清理，卫生整洁分偏高")
    review.review(_rate(village, "SZ009", this_month, 8, scorer), True, "", head)


# (name, price, stock, low-stock level): prices as the villages set them, about ¥1 a point.
SHOP_ITEMS = [
    ("肥皂", 5, 40, 10),
    ("牙膏", 5, 30, 10),
    ("洗衣粉", 20, 15, 5),
    ("毛巾", 10, 25, 5),
    ("酱油", 12, 20, 5),
    ("大米 10斤", 50, 12, 3),
    ("食用油 5L", 85, 4, 5),
    ("保温杯", 60, 6, 2),
]


def seed_shop(village, head, clerk) -> None:
    """The village's points shop, stocked, with this morning's redemptions (one of them voided) and an
    item running low; the township's shop serves another village too."""
    if shop.shops_for(head):
        return
    s = shop.create_shop(village, "山中村积分超市", [], head)
    items = {name: shop.add_item(s, name, price, stock, low, clerk) for name, price, stock, low in SHOP_ITEMS}
    for code, basket in (("SZ001", {"肥皂": 2, "酱油": 1}), ("SZ003", {"大米 10斤": 1}), ("SZ005", {"洗衣粉": 1})):
        household = households.by_code(village, code)
        lines = [{"item_id": items[name].id, "qty": qty} for name, qty in basket.items()]
        done, _created = shop.redeem(s, household, lines, f"demo-{code}-checkout", clerk)
        if code == "SZ005":
            shop.void(done, "顾客改换其他商品", clerk)
    township = units.by_code("PX-KC")
    shop.create_shop(township, "克城镇积分超市", ["PX-HLG-HLG"], auth.by_username("county"))


def seed_honors(county, village, head) -> None:
    """Last month's honor roll proposed by the rules and approved; a unit's own star; and SZ001, a
    ten-star household (十星级文明户) with a star in each of ten categories over the past year."""
    if honors.roll(village, honors.last_period("month")):
        return
    honors.ensure_defaults(county)
    honors.add_category(
        village,
        {
            "code": "culture",
            "name": "文化活动之星",
            "name_hant": "文化活動之星",
            "name_en": "Culture Star",
            "rule": "nomination",
            "per_unit": 2,
            "bonus": 5,
        },
        head,
    )
    last = honors.last_period("month")
    honors.propose(village, last, head)
    honors.approve_all(village, last, head)
    household = households.by_code(village, "SZ001")
    this_month = time.today().replace(day=1)
    for n, category in enumerate(honors.categories_for(village), start=1):
        month = time.month_of(this_month - timedelta(days=30 * n - 15))
        held = honors.roll(village, month)
        if any(h.household_id == household.id and h.category_id == category.id for h in held):
            continue
        star = honors.nominate(village, category, household, month, "群众评议，表现突出", head)
        honors.approve(star, head)


def seed_governance(township_admin) -> None:
    """Last month's incidents of 克城镇 (and a few earlier ones) and every unit's score for the past
    year, so the dashboards have units in every colour."""
    if governance.incidents_count():
        return
    first = time.today().replace(day=1)
    for code, kind, subkind, days_before, summary, resolved, escalated in INCIDENTS:
        day = first - timedelta(days=days_before)
        fields = {"kind": kind, "subkind": subkind, "occurred_on": day, "summary": summary, "escalated": escalated}
        if resolved:
            fields |= {"status": "resolved", "resolved_on": min(day + timedelta(days=3), time.today())}
            fields["resolution"] = "调解处理完毕" if kind in ("dispute", "petition") else "已整改"
        governance.record(units.by_code(code), fields, township_admin)
    for n in range(12):
        governance.compute_month(time.month_of(first - timedelta(days=30 * n - 15)))


# (unit, title, text, audience, pinned, days until it expires: None for never, -1 for expired yesterday)
ANNOUNCEMENTS = [
    (
        "PX-KC-SZ",
        "本周六上午停水检修",
        "因村口水管检修，本周六 8:00–12:00 全村停水，请提前储水。",
        "public",
        True,
        None,
    ),
    (
        "PX-KC-SZ",
        "召开村民大会",
        "本月 25 日晚 7 点在村委会召开村民大会，讨论道德银行积分兑换商品调整，每户至少来一人。",
        "residents",
        False,
        30,
    ),
    ("PX-KC-SZ", "秋季防火巡山报名", "秋季防火巡山志愿者报名已结束，感谢各位村民参与。", "public", False, -1),
]


def seed_announcements(head) -> None:
    """The village's announcements: one pinned for everyone, one for residents only, one expired."""
    if announcements.posted_on(units.by_code("PX-KC-SZ")):
        return
    for code, title, body, audience, pinned, days in ANNOUNCEMENTS:
        fields = {"title": title, "body": body, "audience": audience, "pinned": pinned}
        made = announcements.post(units.by_code(code), fields, head)
        if days is not None:
            made.expires_on = time.today() + timedelta(days=days)  # set here: the service refuses a past day


def seed() -> list[tuple[str, str, str, str]]:
    for code, name, kind, parent in UNITS:
        if units.by_code(code) is None:
            units.create_unit(code, name, kind, units.by_code(parent) if parent else None)
    for unit_code, prefix, count in (("PX-KC-SZ", "SZ", 20), ("PX-KC-DP", "DP", 12), ("PX-HLG-HLG", "HLG", 8)):
        unit = units.by_code(unit_code)
        for i in range(count):
            code = f"{prefix}{i + 1:03d}"
            if households.by_code(unit, code) is None:
                head = HEADS[(i + len(prefix)) % len(HEADS)] if prefix != "SZ" else HEADS[i]
                households.create_household(
                    unit,
                    code,
                    head,
                    [head[0] + OTHERS[i % len(OTHERS)]],
                    address=f"{unit.name}{i + 1}号",
                    phone=f"1390357{i:04d}",
                    grid_cell=f"{i // 5 + 1}组",
                )
    for username, role, unit_code, household_code, name in LOGINS:
        user = auth.by_username(username)
        if user is None:
            user = auth.create_user(username, PASSWORD, name)
        admin.grant(user, role, unit_code, household_code)
    scorer = auth.by_username("scorer")
    village = units.by_code("PX-KC-SZ")
    county = units.by_code("PX")
    if scoring.rubric_in_force(county) is None:
        items = [{"code": c, "category": k, "name": n, "max_points": m} for c, k, n, m in RUBRIC]
        scoring.new_rubric_version(county, items, note="蒲县道德银行评分标准")
    scoring.open_month(village, time.month_of())
    if not deeds.categories_for(county):
        for code, name, kind, limit in DEED_CATEGORIES:
            deeds.add_category(county, code, name, kind, limit)
    if not scoring.assigned_household_ids(scorer, village):
        scoring.assign(village, scorer, [f"SZ{i:03d}" for i in range(1, 11)])
    seed_scoring(village, scorer, auth.by_username("shanzhong"))
    seed_shop(village, auth.by_username("shanzhong"), auth.by_username("clerk"))
    seed_honors(county, village, auth.by_username("shanzhong"))
    seed_governance(auth.by_username("kecheng"))
    seed_announcements(auth.by_username("shanzhong"))
    resident = auth.by_username("wangsibao")
    seed_claims(resident)
    seed_activities(village, auth.by_username("shanzhong"))
    seed_wishes(resident, village)
    if resident.phone is None:
        pins.set_pin(resident.member, RESIDENT_PHONE, RESIDENT_PIN, auth.by_username("shanzhong"))
    return LOGINS


def seed_claims(resident) -> None:
    """One pending self-report of the resident's household, waiting for its scorer."""
    household = claims.household_of(resident)
    if claims.of_household(household):
        return
    day = (time.today() - timedelta(days=1)).isoformat()
    fields = {"category": "neighbours", "date": day, "text": "帮邻居刘大娘收玉米，扛了二十袋", "witness": "刘玉兰"}
    claims.report(household, fields, [], resident)


def _at(days: int, hour: int):
    """A local time `days` from today at `hour`:00."""
    day = time.today() + timedelta(days=days)
    return time.now_local().replace(year=day.year, month=day.month, day=day.day, hour=hour, minute=0, second=0)


def seed_activities(village, head) -> None:
    """An open volunteer activity with a few households signed up (王四保's is not: try it), and one held
    last week, closed with four households come (their deeds wait for the notice board) and one no-show."""
    if activities.posted_on(village):
        return
    fields = {"place": "山中村敬老院", "capacity": 12, "points": 8, "category": "filial"}
    coming = activities.post(
        village,
        {
            **fields,
            "title": "重阳节敬老院慰问",
            "description": "打扫院子、陪老人聊天，中午一起包饺子。",
            "starts_at": _at(3, 9),
            "ends_at": _at(3, 12),
            "signup_deadline": _at(2, 18),
        },
        head,
    )
    for code, name in (("SZ002", ""), ("SZ003", "李秀英"), ("SZ004", ""), ("SZ005", "")):
        activities.sign_up(coming, households.by_code(village, code), head, name)
    held = activities.post(
        village,
        {
            **fields,
            "title": "村道清扫志愿活动",
            "place": "村委会门口集合",
            "points": 5,
            "category": "hygiene",
            "description": "清扫主村道和文化广场，工具由村委会准备。",
            "starts_at": _at(1, 8),
            "ends_at": _at(1, 10),
        },
        head,
    )
    came = ("SZ001", "SZ003", "SZ006", "SZ007")
    for code in (*came, "SZ008"):
        activities.sign_up(held, households.by_code(village, code), head)
    held.starts_at, held.ends_at = _at(-5, 8), _at(-5, 10)  # set here: the service refuses a past start
    held.signup_deadline = held.starts_at
    for code in came:
        attendance.check_in(held, households.by_code(village, code), head, "list")
    attendance.close(held, head)


def seed_wishes(resident, village) -> None:
    """Open wishes at the village shop: noodles asked for by three households (王四保 with a note), and
    reading glasses by 王四保."""
    household = wishes.household_of(resident)
    if wishes.of_household(household):
        return
    s = next(x for x in shop.shops_of(village) if x.unit_id == village.id)
    wishes.ask(s, household, "挂面", "要细的龙须面", resident)
    wishes.ask(s, household, "老花镜", "", resident)
    # Two more households asked for noodles (they have no login in the demo: rows as the service writes them).
    for code, typed in (("SZ002", "挂面 "), ("SZ004", "挂面")):
        other = households.by_code(village, code)
        name = wishes.clean(typed)
        db.session.add(
            Wish(shop_id=s.id, household_id=other.id, name=name, key=wishes.normalise(name), asked_on=time.today())
        )
    db.session.flush()


@click.command("seed-demo")
@with_appcontext
def seed_demo() -> None:
    """Load the demo county (idempotent) and print the demo logins."""
    logins = seed()
    db.session.commit()
    click.echo(_("Demo data ready. Sign in at %(url)s with:", url="http://127.0.0.1:5000/login"))
    for username, role, unit_code, _household, name in logins:
        click.echo(f"  {username:<10} / {PASSWORD}   {role:<15} {unit_code:<10} {name}")
    click.echo(
        _(
            "Residents sign in at %(url)s with a mobile number and PIN, e.g. %(phone)s / %(pin)s (王四保).",
            url="http://127.0.0.1:5000/resident/login",
            phone=RESIDENT_PHONE,
            pin=RESIDENT_PIN,
        )
    )
