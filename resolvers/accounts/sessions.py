"""Opaque session tokens: random, stored as SHA-256, sliding and absolute expiry, revocable."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from tortoise import connections

from models import Session, User
from models.enums import UserStatus
from policies.principal import Principal
from resolvers.accounts.required_actions import pending_names
from resolvers.shared.clock import now, today

if TYPE_CHECKING:  # annotations only: settings reach this layer through the context
    from bailleurs.settings import Settings

COOKIE_NAME = "bailleurs_session"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def open_session(
    settings: Settings, *, user: User | None, organisation_id: int | None, restricted: bool
) -> tuple[str, Session]:
    token = secrets.token_urlsafe(32)
    moment = now()
    session = await Session.create(
        token_hash=token_digest(token),
        csrf_token=secrets.token_urlsafe(24),
        user=user,
        organisation_id=organisation_id,
        restricted=restricted,
        last_seen_at=moment,
        expires_at=moment + timedelta(minutes=settings.session_idle_minutes),
        absolute_expires_at=moment + timedelta(hours=settings.session_absolute_hours),
    )
    return token, session


def user_may_work(user: User) -> bool:
    """Closed or suspended accounts and accounts outside their opening window cannot act."""
    if user.status == UserStatus.CLOSED or user.suspended_at is not None:
        return False
    day = today()
    if user.opening_date and day < user.opening_date:
        return False
    return not (user.closing_date and day > user.closing_date)


_LOOKUP: dict[str, str] = {}


def _lookup_sql(dialect: str) -> str:
    """The session and its user in one statement, written once per dialect: the same text on
    every request, so asyncpg prepares it once per connection (Tortoise's query builder rebuilt
    it on every request: a seventh of a page's CPU). Read on every request, never cached:
    a revocation, an expiry or a suspension takes effect on the next request of every process."""
    sql = _LOOKUP.get(dialect)
    if sql is None:
        session = ", ".join(f's."{c}"' for c in Session._meta.fields_db_projection.values())
        user = ", ".join(f'u."{c}" AS "u__{c}"' for c in User._meta.fields_db_projection.values())
        mark = "$1" if dialect == "postgres" else "?"
        sql = _LOOKUP[dialect] = (
            f'SELECT {session}, {user} FROM "{Session._meta.db_table}" s LEFT JOIN '
            f'"{User._meta.db_table}" u ON u."id" = s."user_id" WHERE s."token_hash" = {mark}'
        )
    return sql


async def _session_and_user(token: str) -> tuple[Session | None, User | None]:
    """What `Session.get_or_none(token_hash=…).select_related("user")` read, hydrated as
    Tortoise hydrates it (the same conversions on both databases), without building the query."""
    db = connections.get("default")
    _, rows = await db.execute_query(_lookup_sql(db.capabilities.dialect), [token_digest(token)])
    if not rows:
        return None, None
    row: Any = rows[0]
    session = Session._init_from_db(
        **{c: row[c] for c in Session._meta.fields_db_projection.values()})
    if row["u__id"] is None:
        return session, None
    user = User._init_from_db(
        **{c: row[f"u__{c}"] for c in User._meta.fields_db_projection.values()})
    return session, user


async def resolve_session(
    settings: Settings, token: str, csrf: str | None = None, *, via_cookie: bool = False,
    csrf_required: bool = True,
) -> Principal | None:
    """The principal behind a token; a cookie on a state-changing request also needs its CSRF
    token (sent back in a header), else the request is served as anonymous. Safe requests (GET:
    receipts, queries) need none: the cookie is SameSite=strict and they change nothing."""
    session, user = await _session_and_user(token)
    moment = now()
    if session is None or session.revoked_at or moment >= min(
        session.expires_at, session.absolute_expires_at
    ):
        return None
    if via_cookie and csrf_required and not (
        csrf and secrets.compare_digest(csrf, session.csrf_token)
    ):
        return None
    if user is not None and not user_may_work(user):
        return None
    # Slide the idle expiry, but write at most once a minute per session.
    if moment - session.last_seen_at > timedelta(minutes=1):
        await Session.filter(id=session.id).update(
            last_seen_at=moment,
            expires_at=moment + timedelta(minutes=settings.session_idle_minutes),
        )
    return Principal(
        user_id=user.id if user else None,
        organisation_id=user.organisation_id if user else session.organisation_id,
        agency_role=user.agency_role if user else None,
        restricted=session.restricted,
        required_actions=pending_names(user) if session.restricted else (),
        session_id=session.id,
        via_cookie=via_cookie,
    )


async def revoke_sessions(user_id: int, keep: int | None = None) -> None:
    query = Session.filter(user_id=user_id, revoked_at=None)
    if keep is not None:
        query = query.exclude(id=keep)
    await query.update(revoked_at=now())


async def revoke_session(session_id: int | None) -> None:
    await Session.filter(id=session_id).update(revoked_at=now())


async def revoke_letter_sessions(organisation_id: int) -> None:
    """Once an organisation is activated, the other first-login sessions of its letter end."""
    await Session.filter(organisation_id=organisation_id, user_id=None, revoked_at=None).update(
        revoked_at=now()
    )
