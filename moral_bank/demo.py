"""`flask seed-demo`: a small county to try the portal with. Safe to run twice."""

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from .admin import service as admin
from .auth import service as auth
from .core import time
from .core.db import db
from .households import service as households
from .ledger import service as ledger
from .scoring import deeds
from .scoring import service as scoring
from .units import service as units

PASSWORD = "demo-2026"

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
    ("litter", "乱堆乱放", "deduction", 10),
    ("lavish", "大操大办", "deduction", 30),
    ("quarrel", "打架斗殴", "deduction", 30),
    ("unfilial", "不赡养老人", "deduction", 30),
]

# (household code, points, kind, memo): awards come from the issuance account,
# deductions go back to it.
POSTINGS = [
    ("SZ001", 20, "deed", "调解邻里宅基地纠纷"),
    ("SZ001", 15, "deed", "护林防火巡山"),
    ("SZ001", 56, "rating", "10月 孝善信勤简美 评分"),
    ("SZ002", 48, "rating", "10月 孝善信勤简美 评分"),
    ("SZ002", 5, "deduction", "柴草乱堆 屡劝不改"),
    ("SZ003", 50, "deed", "见义勇为 救落水儿童"),
    ("SZ004", 62, "rating", "10月 孝善信勤简美 评分"),
]


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
    issuance = ledger.issuance_account(village)
    for n, (code, points, kind, memo) in enumerate(POSTINGS):
        account = ledger.household_account(households.by_code(village, code).id)
        pair = (account, issuance) if kind == "deduction" else (issuance, account)
        ledger.transfer(*pair, points, kind, idempotency_key=f"demo:{n}", actor=scorer, memo=memo)
    return LOGINS


@click.command("seed-demo")
@with_appcontext
def seed_demo() -> None:
    """Load the demo county (idempotent) and print the demo logins."""
    logins = seed()
    db.session.commit()
    click.echo(_("Demo data ready. Sign in at %(url)s with:", url="http://127.0.0.1:5000/login"))
    for username, role, unit_code, _household, name in logins:
        click.echo(f"  {username:<10} / {PASSWORD}   {role:<15} {unit_code:<10} {name}")
