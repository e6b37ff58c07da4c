"""Running work on many threads at once, for the concurrency tests (ledger, shop, activities)."""

import threading
from collections import Counter
from collections.abc import Callable

from moral_bank.core.db import db


def at_once(n: int, work: Callable[[int], object]) -> Counter:
    """Run work(0) … work(n-1) on n threads released together; count what they return. An exception
    counts as "error: …", so a failure names its cause in the test's assertion."""
    barrier, lock, outcomes = threading.Barrier(n), threading.Lock(), Counter()

    def worker(i: int) -> None:
        barrier.wait()
        try:
            outcome = work(i)
        except Exception as exc:
            outcome = f"error: {exc!r}"[:300]
        with lock:
            outcomes[outcome] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return outcomes


def in_own_session(app, work: Callable[[int], object], refused: type[Exception], label: Callable[[Exception], str]):
    """work(i) in its own app context and database session, committed; rolled back and counted as
    label(exc) when it raises `refused` (any other exception rolls back and counts as an error)."""

    def run(i: int):
        with app.app_context():
            try:
                outcome = work(i)
                db.session.commit()
                return outcome
            except refused as exc:
                db.session.rollback()
                return label(exc)
            except Exception:
                db.session.rollback()
                raise
            finally:
                db.session.remove()

    return run
