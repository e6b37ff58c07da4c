"""Import every model so metadata is complete (migrations, create_all)."""

from .activities.models import Activity, Signup  # noqa: F401
from .auth.models import ApiToken, RoleAssignment, User  # noqa: F401
from .cards.models import Card, PhoneQrUse  # noqa: F401
from .claims.models import Claim, ClaimPhoto  # noqa: F401
from .core.audit import AuditLog  # noqa: F401
from .core.photos import Photo  # noqa: F401
from .engagement.models import Announcement, AnnouncementRead  # noqa: F401
from .governance.models import GovernanceSettings, Incident, UnitScore  # noqa: F401
from .honors.models import Honor, StarCategory  # noqa: F401
from .households.models import Household, Member  # noqa: F401
from .ledger.models import Account, Entry, Transfer  # noqa: F401
from .scoring.models import (  # noqa: F401
    Deed,
    DeedCategory,
    LineCorrection,
    Notice,
    NoticeLine,
    Objection,
    RatingSheet,
    Rubric,
    RubricItem,
    ScorerAssignment,
    ScoringMonth,
    SheetScore,
    UnitSettings,
)
from .shop.models import Item, Redemption, RedemptionLine, Shop, StockMovement  # noqa: F401
from .units.models import Unit  # noqa: F401
