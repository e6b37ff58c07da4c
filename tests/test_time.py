"""Months and 'today' follow the deployment's zone (Asia/Shanghai by default), not the server's."""

from datetime import UTC, date, datetime

from moral_bank.core import time


def test_month_turns_at_midnight_in_shanghai_not_utc(app):
    late_utc = datetime(2026, 11, 30, 16, 30, tzinfo=UTC)  # 00:30 on 1 December in Shanghai
    assert time.month_of(late_utc) == "2026-12"
    assert time.month_of(datetime(2026, 11, 30, 15, 59, tzinfo=UTC)) == "2026-11"
    assert time.month_of(date(2026, 1, 5)) == "2026-01"


def test_the_zone_is_a_setting(app, monkeypatch):
    monkeypatch.setitem(app.config, "TIMEZONE", "UTC")
    assert time.month_of(datetime(2026, 11, 30, 16, 30, tzinfo=UTC)) == "2026-11"
    assert time.today() == datetime.now(UTC).date()
