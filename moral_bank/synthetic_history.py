"""The months of a synthetic county (see synthetic.py): per village and month, rating sheets, good deeds
and deductions, the month's notice posted through the ledger (credits first, a deduction taking at most
what the passbook holds, as notices.post does), and the month's stars chosen by the star rules and
approved with their bonus; at the end the cached balances and every unit's scores."""

from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import bindparam, select, text

from .core.bulk import Bulk
from .core.time import now_local, today, zone
from .governance import scores
from .honors import service as honors
from .honors.proposing import PeriodPoints, rank
from .ledger.models import Account
from .scoring import deeds as deed_service
from .scoring import service as scoring
from .scoring.models import CATEGORIES, CATEGORY_LABELS
from .units.models import Unit

REASONS = {
    "filial": ["照顾卧病老人", "陪父母就医", "为老人操办寿宴从简"],
    "neighbours": ["帮邻居抢收玉米", "雨天帮邻居修房顶", "接送邻居孩子上学"],
    "mediation": ["调解邻里宅基地纠纷", "化解家庭矛盾", "调解土地流转纠纷"],
    "forest-fire": ["护林防火巡山", "清明节劝阻上坟烧纸", "扑灭山火火情"],
    "traffic": ["路口劝导戴头盔", "劝阻酒后驾车", "雨雪天疏导交通"],
    "culture": ["参加村文艺演出", "组织广场舞队"],
    "courtyard": ["发展庭院种植", "庭院养殖增收"],
    "hygiene": ["清理村道垃圾", "整治房前屋后"],
    "bravery": ["见义勇为 救落水儿童"],
    "security": ["夜间治安巡逻", "协助排查安全隐患"],
    "litter": ["柴草乱堆 屡劝不改", "垃圾乱倒"],
    "lavish": ["婚事大操大办"],
    "quarrel": ["酒后打架"],
    "unfilial": ["不赡养老人 屡教不改"],
}
# How often a good deed is of each kind: the peace-keeping ones (三零) are common in these villages.
AWARD_WEIGHTS = {
    "mediation": 12,
    "traffic": 10,
    "forest-fire": 10,
    "security": 10,
    "filial": 12,
    "neighbours": 14,
    "courtyard": 10,
    "hygiene": 12,
    "culture": 8,
    "bravery": 1,
}
RATED_SHARE = 0.96


def _months(count: int) -> list[str]:
    """`count` months ending last month, oldest first."""
    last = today().replace(day=1) - timedelta(days=1)
    n = last.year * 12 + last.month - 1
    return [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in range(n - count + 1, n + 1)]


class History:
    def __init__(self, bulk: Bulk, county: Unit, villages: list[Unit], per_village: list[list[tuple]], rng):
        self.bulk, self.county, self.villages, self.per_village, self.rng = bulk, county, villages, per_village, rng
        for name, columns in (
            ("scoring_month", ("id", "unit_id", "month", "rubric_id", "opened_by_id", "opened_at")),
            ("rating_sheet", ("id", "household_id", "unit_id", "month", "scoring_month_id", "scorer_id", "status")),
            ("sheet_score", ("id", "sheet_id", "item_id", "points")),
            ("deed", ("id", "household_id", "unit_id", "member_id", "category_id", "points", "reason")),
            ("notice", ("id", "unit_id", "month", "status", "notice_days", "published_at", "ends_at", "posted_at")),
            ("transfer", ("id", "kind", "from_account_id", "to_account_id", "points", "idempotency_key")),
            ("notice_line", ("id", "notice_id", "household_id", "sheet_id", "deed_id", "points", "status")),
            ("entry", ("id", "transfer_id", "account_id", "amount", "created_at")),
            ("honor", ("id", "category_id", "unit_id", "household_id", "period", "period_end", "status", "how")),
        ):
            bulk.table(name, columns + EXTRA.get(name, ()))
        self.add_transfer, self.transfer_id = bulk.adder("transfer"), bulk.ids("transfer")
        self.add_entry, self.entry_id = bulk.adder("entry"), bulk.ids("entry")
        rubric = scoring.rubric_in_force(county)
        self.rubric_id = rubric.id
        self.items = [(i.id, i.category, i.max_points) for i in rubric.items]
        self.deed_categories = {c.code: c for c in deed_service.categories_for(county)}
        self.awards = [c for c in AWARD_WEIGHTS if c in self.deed_categories]
        self.weights = [AWARD_WEIGHTS[c] for c in self.awards]
        self.deductions = [c for c, cat in self.deed_categories.items() if cat.kind == "deduction"]
        self.stars = [c for c in honors.categories_for(county) if c.period == "month" and c.rule != "nomination"]
        self.labels = {c: str(CATEGORY_LABELS[c]) for c in CATEGORIES}
        self.issuance = dict(
            bulk.conn.execute(
                select(Account.unit_id, Account.id).where(
                    Account.kind == "issuance", Account.unit_id.in_([v.id for v in villages])
                )
            ).all()
        )
        self.balance: dict[int, int] = {}
        self.done: list[str] = []
        self.last = ""
        self.totals = {"sheets": 0, "deeds": 0, "stars": 0, "points": 0}

    def months(self, count: int) -> list[str]:
        found = _months(count)
        self.last = found[-1]
        return found

    def _times(self, month: str) -> tuple:
        """When the month's notice was published, ended and posted, and when its roll was approved."""
        year, mon = int(month[:4]), int(month[5:7])
        published = datetime.combine(date(year, mon, 28), time(18, 0), tzinfo=zone())
        latest = now_local() - timedelta(minutes=10)
        moments = [min(published + timedelta(days=d), latest) for d in (0, 3, 3.1, 4)]
        return tuple(self.bulk.stamp(m) for m in moments)

    def month(self, month: str) -> str:
        """Write one month of every village; returns its summary line."""
        counts = {"sheets": 0, "deeds": 0, "deductions": 0, "stars": 0, "points": 0}
        stamps = self._times(month)
        for village, households in zip(self.villages, self.per_village, strict=True):
            self._village(village, households, month, stamps, counts)
        self.bulk.flush()
        self.done.append(month)
        for key in self.totals:
            self.totals[key] += counts[key]
        return _(
            "%(month)s: %(sheets)s sheets, %(deeds)s deeds (%(deductions)s deductions), %(stars)s stars, "
            "%(points)s points posted",
            month=month,
            **{k: f"{v:,}" for k, v in counts.items()},
        )

    def _transfer(self, kind, source, target, points, key, source_ref, memo, at) -> int:
        tid, add_entry, entry_id, balance = self.transfer_id(), self.add_entry, self.entry_id, self.balance
        self.add_transfer((tid, kind, source, target, points, key, *source_ref, memo, None, None, at))
        add_entry((entry_id(), tid, source, -points, at))
        add_entry((entry_id(), tid, target, points, at))
        balance[source] = balance.get(source, 0) - points
        balance[target] = balance.get(target, 0) + points
        return tid

    def _village(self, village: Unit, households: list[tuple], month: str, stamps: tuple, counts: dict) -> None:
        b, rng = self.bulk, self.rng
        published, ends, posted, approved = stamps
        issuance = self.issuance[village.id]
        year, mon = int(month[:4]), int(month[5:7])
        month_id, notice_id = b.new_id("scoring_month"), b.new_id("notice")
        b.add("scoring_month", (month_id, village.id, month, self.rubric_id, None, published))
        b.add("notice", (notice_id, village.id, month, "posted", 3, published, ends, posted, None, None))
        standards: dict[int, dict[str, int]] = {}
        awards: dict[int, dict[str, int]] = {}
        deducted: set[int] = set()
        # The hot loop (12 scores a sheet, 30,000 sheets a month): bound methods, no look-ups per row.
        random, items, add_score, score_id = rng.random, self.items, b.adder("sheet_score"), b.ids("sheet_score")
        add_sheet, sheet_id, add_line, line_id = (
            b.adder("rating_sheet"),
            b.ids("rating_sheet"),
            b.adder("notice_line"),
            b.ids("notice_line"),
        )
        for hid, _code, account, virtue in households:
            lines = []  # (points, sheet id, deed id, kind, key, source, memo)
            if random() < RATED_SHARE:
                sid, total, mine = sheet_id(), 0, standards.setdefault(hid, {})
                spread = 1 + 5 * (1 - virtue)
                for item_id, category, top in items:
                    points = top - int(random() * spread)
                    if points < 0:
                        points = 0
                    total += points
                    mine[category] = mine.get(category, 0) + points
                    add_score((score_id(), sid, item_id, points))
                sheet = (sid, hid, village.id, month, month_id, None, "posted", total, "", "")
                add_sheet((*sheet, published, published, published, None))
                lines.append((total, sid, None, "rating", f"sheet:{sid}", ("rating_sheet", sid), month))
                counts["sheets"] += 1
            deeds = []
            if rng.random() < 0.08 + 0.12 * virtue:
                deeds.append(self.deed_categories[rng.choices(self.awards, self.weights)[0]])
            if rng.random() < 0.04 * (1.2 - virtue):
                deeds.append(self.deed_categories[rng.choice(self.deductions)])
            for category in deeds:
                did, reason = b.new_id("deed"), rng.choice(REASONS.get(category.code, [category.name]))
                points = rng.randint(max(1, category.max_points // 3), category.max_points)
                day = b.day(date(year, mon, rng.randint(1, 27)))
                deed = (did, hid, village.id, None, category.id, points, reason, day, "posted", "")
                b.add("deed", (*deed, None, None, published, None))
                counts["deeds"] += 1
                if category.kind == "deduction":
                    counts["deductions"] += 1
                    deducted.add(hid)
                    lines.append((-points, None, did, "deduction", f"deed:{did}", ("deed", did), reason))
                else:
                    mine = awards.setdefault(hid, {})
                    mine[category.code] = mine.get(category.code, 0) + points
                    lines.append((points, None, did, "deed", f"deed:{did}", ("deed", did), reason))
            for points, sid, did, kind, key, source, memo in sorted(lines, key=lambda line: line[0] < 0):
                if points > 0:
                    tid, reached = self._transfer(kind, issuance, account, points, key, source, memo, posted), points
                else:
                    reached = min(-points, self.balance.get(account, 0))
                    tid = (
                        self._transfer(kind, account, issuance, reached, key, source, memo, posted) if reached else None
                    )
                    reached = -reached
                counts["points"] += reached
                add_line((line_id(), notice_id, hid, sid, did, points, "posted", reached, tid))
        if month != self.last:
            codes = {hid: code for hid, code, _a, _v in households}
            accounts = {hid: account for hid, _c, account, _v in households}
            counts["stars"] += self._stars(village, month, (standards, awards, deducted), codes, accounts, approved)

    def _stars(self, village: Unit, month: str, found: tuple, codes: dict, accounts: dict, approved) -> int:
        """The month's stars as the rules name them (honors/proposing.rank), approved with their bonus."""
        standards, awards, deducted = found
        period = honors.parse_period(month)
        names = {c.code: c.name for c in self.deed_categories.values()}
        points = PeriodPoints(standards, awards, deducted, names, codes)
        made = 0
        for star in self.stars:
            for place, candidate in enumerate(rank(star, period, points, limit=star.per_unit), start=1):
                self._approve(village, star, period, candidate, place, accounts[candidate.household_id], approved)
                made += 1
        return made

    def _approve(self, village, star, period, candidate, place, account, approved) -> None:
        b = self.bulk
        honor_id = b.new_id("honor")
        tid = None
        if star.bonus:
            memo, issuance, key = f"{star.name} {period.text}", self.issuance[village.id], f"honor:{honor_id}"
            tid = self._transfer("star_bonus", issuance, account, star.bonus, key, ("honor", honor_id), memo, approved)
        hid, end = candidate.household_id, b.day(period.end)
        row = (honor_id, star.id, village.id, hid, period.text, end, "approved", "rule", candidate.reason)
        b.add("honor", (*row, candidate.points, place, approved, None, approved, tid, ""))

    def finish(self) -> str:
        """Write the rest, set the cached balances, score every unit's months, and sum up."""
        self.bulk.finish()
        conn = self.bulk.conn
        move = Account.__table__.update().where(Account.id == bindparam("aid")).values(balance=bindparam("n"))
        conn.execute(move, [{"aid": a, "n": n} for a, n in sorted(self.balance.items())])
        for month in self.done:
            scores.compute(month, area=self.county)
        conn.execute(text("ANALYZE"))
        return _(
            "%(months)s months (%(first)s to %(last)s): %(sheets)s sheets, %(deeds)s deeds, %(stars)s stars, "
            "%(points)s points posted.",
            months=len(self.done),
            first=self.done[0],
            last=self.done[-1],
            **{k: f"{v:,}" for k, v in self.totals.items()},
        )


# The columns after the first ones of each table (kept apart so the table list above stays readable).
EXTRA = {
    "rating_sheet": ("total", "note", "review_comment", "created_at", "updated_at", "submitted_at", "photo_id"),
    "deed": ("happened_on", "status", "review_comment", "client_key", "recorded_by_id", "created_at", "photo_id"),
    "notice": ("published_by_id", "posted_by_id"),
    "transfer": ("source_type", "source_id", "memo", "reverses_id", "actor_id", "created_at"),
    "notice_line": ("posted_points", "transfer_id"),
    "honor": ("reason", "points", "rank", "proposed_at", "decided_by_id", "decided_at", "transfer_id", "revoke_reason"),
}
