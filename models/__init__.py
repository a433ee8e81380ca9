"""Tortoise models of Offre Bailleurs (one Tortoise app named `models`)."""

from models.counters import TenantCount
from models.declarations import ChangeDeclaration, RentDeclaration, UnpaidRentReport
from models.documents import TrustedDocument
from models.habilitations import CasbinRule, HabilitationGroup
from models.history import GroupStatePeriod, TenantPlacement, UserStatePeriod
from models.housing import Housing, Payment, Tenant
from models.operations import AuditCheckpoint, AuditEvent, OutboxMail, Session, Throttle
from models.organisations import Organisation
from models.receipts import Receipt
from models.repayment import RepaymentPlan, RepaymentReminder
from models.users import PasswordHistory, User

__models__ = [
    Organisation,
    User,
    HabilitationGroup,
    CasbinRule,
    Housing,
    Tenant,
    Payment,
    RentDeclaration,
    ChangeDeclaration,
    UnpaidRentReport,
    AuditEvent,
    AuditCheckpoint,
    OutboxMail,
    Session,
    Throttle,
    TrustedDocument,
    Receipt,
    PasswordHistory,
    RepaymentPlan,
    RepaymentReminder,
    TenantCount,
    UserStatePeriod,
    GroupStatePeriod,
    TenantPlacement,
]
