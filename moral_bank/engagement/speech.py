"""The text the "read aloud" button speaks (static/js/read-aloud.js speaks it in the page's language)."""

from flask_babel import format_date
from flask_babel import gettext as _

from ..core.db import db
from ..core.time import to_local
from ..ledger import service as ledger
from ..ledger.models import Entry

LAST_ENTRIES = 5


def passbook_text(account_id: int, balance: int) -> str:
    """ "Points balance: 120. Latest entries: 5 October, Good deed: …, plus 20 points. …" """
    entries = db.session.scalars(ledger.entries_for(account_id).limit(LAST_ENTRIES)).all()
    parts = [_("Points balance: %(n)s.", n=balance)]
    if entries:
        parts.append(_("Latest entries:"))
    for entry in entries:
        parts.append(_entry_text(entry))
    return " ".join(parts)


def _entry_text(entry: Entry) -> str:
    transfer = entry.transfer
    what = f"{transfer.kind_label}: {transfer.memo}" if transfer.memo else transfer.kind_label
    day = format_date(to_local(entry.created_at).date(), "long")
    if entry.amount > 0:
        return _("%(day)s, %(what)s, plus %(n)s points.", day=day, what=what, n=entry.amount)
    return _("%(day)s, %(what)s, minus %(n)s points.", day=day, what=what, n=-entry.amount)


def announcement_text(title: str, body: str) -> str:
    return f"{title}\n{body}"
