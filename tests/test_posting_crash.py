"""Posting survives being killed: a close-month run killed with SIGKILL midway, then run again,
posts every line exactly once."""

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from sqlalchemy import func, select

from moral_bank.core.db import db
from moral_bank.ledger import service as ledger
from moral_bank.ledger.models import Transfer
from moral_bank.scoring import notices, review, sheets
from moral_bank.scoring import service as scoring
from moral_bank.scoring.models import NoticeLine

from .factories import household
from .test_notices import end_period
from .test_rating_sheets import FULL
from .test_scoring_setup import demo_items

# Killed by its own hand right after the ledger has written the third chunk's transfers, before that
# chunk commits: two chunks of 10 are committed, the third is not.
DYING_RUN = textwrap.dedent(
    """
    import os, signal, sys
    from moral_bank import create_app
    from moral_bank.ledger import service as ledger

    app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "SECRET_KEY": "x"})
    real, calls = ledger.post_batch, []

    def dying(*args, **kwargs):
        calls.append(1)
        written = real(*args, **kwargs)
        if len(calls) == 3:
            os.kill(os.getpid(), signal.SIGKILL)
        return written

    ledger.post_batch = dying
    result = app.test_cli_runner().invoke(args=["close-month", "--chunk", "10"])
    print(result.output)
    """
)


def test_a_run_killed_midway_then_rerun_posts_each_line_exactly_once(app, world, runner, db_url, tmp_path):
    scoring.new_rubric_version(world.county, demo_items())
    admin = world.users["unit_admin"]
    homes = [world.h1, world.h2] + [household(world.village, f"K{i:03d}", "赵大") for i in range(58)]
    for h in homes:
        sheet, _ = sheets.save_sheet(h, "2026-10", FULL, "", admin, submit=True)
        review.review(sheet, True, "", admin)
    notice = notices.publish(world.village, "2026-10", admin)
    end_period(notice)

    script = tmp_path / "dying_run.py"
    script.write_text(DYING_RUN)
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["PYTHONPATH"] = str(Path(__file__).parent.parent)
    killed = subprocess.run(
        [sys.executable, str(script), db_url], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr

    db.session.expire_all()
    posted = db.session.scalar(select(func.count(NoticeLine.id)).where(NoticeLine.status == "posted"))
    assert posted == 20  # the committed chunks, nothing of the one being written
    assert db.session.scalar(select(func.count(Transfer.id))) == 20
    bad, problems = ledger.verify()
    assert not bad and not problems

    result = runner.invoke(args=["close-month"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count(Transfer.id))) == 60
    keys = db.session.scalars(select(Transfer.idempotency_key)).all()
    assert len(set(keys)) == 60 and all(k.startswith("sheet:") for k in keys)
    for h in homes:
        assert ledger.current_balance(h.account.id) == sum(FULL.values())
    db.session.refresh(notice)
    assert notice.status == "posted"
