"""« Identifiant perdu » and « mot de passe oublié »: new provisional credentials by mail.

Both answer True whatever happens, and cost the same whether or not the account exists: a
password is generated and hashed in every case. Mail only goes to the outbox, in the transaction
that stores the new password; the sender delivers it later, so an SMTP outage changes nothing
here. Beyond the throttles (per target and per IP) requests still answer True but send nothing.
A provisional password does not disable the current one until it is used (see accounts.login).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from models import Organisation, User
from models.enums import MailChannel
from models.validators import fits_column, is_user_number
from resolvers.accounts import mails as account_mails
from resolvers.accounts import throttle
from resolvers.accounts.passwords import generate_password, hash_in_thread
from resolvers.accounts.sessions import user_may_work
from resolvers.audit.actor import record_anonymous
from resolvers.shared.clock import now
from resolvers.shared.context import Context
from resolvers.shared.outbox import queue_mail, wake_sender

# Several accounts may share an address (one person in two organisations); a bound keeps a
# request's cost small.
MAX_ACCOUNTS_PER_ADDRESS = 5


async def _within_limits(ctx: Context, kind: str, target: str) -> bool:
    s = ctx.settings
    ip_ok = await throttle.hit(
        throttle.throttle_key("recovery-ip", ctx.client_ip), s.reset_requests_per_ip_hour, 3600
    )
    target_ok = await throttle.hit(
        throttle.throttle_key(kind, target), s.reset_requests_per_hour, 3600
    )
    return ip_ok and target_ok


async def _new_credentials(ctx: Context, count: int) -> list[tuple[str, str]]:
    """(password, hash) pairs; at least one, so that unknown targets cost a hash too."""
    passwords = [generate_password() for _ in range(max(count, 1))]
    return [(p, await hash_in_thread(ctx.settings, p)) for p in passwords]


def _provisional_expiry(ctx: Context) -> datetime:
    return now() + timedelta(hours=ctx.settings.provisional_password_hours)


async def request_password_reset(ctx: Context, email: str) -> bool:
    email = email.strip()
    allowed = await _within_limits(ctx, "reset-mail", email)
    candidates = (
        await User.filter(email__in=list({email, email.lower()})).limit(MAX_ACCOUNTS_PER_ADDRESS)
        if email and fits_column(User, "email", email)
        else []
    )
    users = [u for u in candidates if user_may_work(u)] if allowed else []
    credentials = await _new_credentials(ctx, len(users))
    if not users:
        return True
    expires_at = _provisional_expiry(ctx)
    async with in_transaction():
        for user, (password, password_hash) in zip(users, credentials, strict=False):
            await User.filter(id=user.id).update(
                provisional_password_hash=password_hash, provisional_expires_at=expires_at
            )
            assert user.email is not None  # found by their address
            await queue_mail(user.email, *account_mails.password_reset(user, password, expires_at))
            await record_anonymous(
                ctx,
                "password_reset_requested",
                organisation_id=user.organisation_id,
                target_type="user",
                target_id=user.id,
                after={"provisionalExpiresAt": expires_at},
            )
    wake_sender(ctx.services)
    return True


async def request_lost_identifier(ctx: Context, user_number: str) -> bool:
    number = user_number.strip().upper()
    allowed = await _within_limits(ctx, "lost-id", number)
    known_shape = is_user_number(number)  # the column's validator refuses other filters
    organisation = await Organisation.get_or_none(user_number=number) if known_shape else None
    [(password, password_hash)] = await _new_credentials(ctx, 1)
    if organisation is None or not allowed:
        return True
    async with in_transaction():
        sent = await _send_credentials(ctx, organisation, password, password_hash)
    if sent:
        wake_sender(ctx.services)
    return True


async def _send_credentials(
    ctx: Context, organisation: Organisation, password: str, password_hash: str
) -> bool:
    """Before activation the letter's password is replaced; after it, the administrator
    receives a provisional password. Both go to the organisation's addresses on file."""
    admin, expires_at = None, None
    if organisation.activated_at is None:
        renewed = await Organisation.filter(id=organisation.id, activated_at=None).update(
            initial_password_hash=password_hash
        )
        identifier = organisation.initial_identifier if renewed else None
    else:
        admin = await User.get_or_none(id=organisation.administrator_id or 0)
        identifier = admin.identifier if admin else None
        if admin is not None:
            expires_at = _provisional_expiry(ctx)
            await User.filter(id=admin.id).update(
                provisional_password_hash=password_hash, provisional_expires_at=expires_at
            )
    if identifier is None:
        return False
    subject, body = account_mails.lost_identifier(organisation, identifier, password, expires_at)
    address = organisation.email or (admin.email if admin else None)
    if address:
        await queue_mail(address, subject, body)
    if organisation.postal_address:
        postal = f"{organisation.name}\n{organisation.postal_address}"[:400]
        await queue_mail(postal, subject, body, channel=MailChannel.POST)
    await record_anonymous(
        ctx,
        "lost_identifier_requested",
        organisation_id=organisation.id,
        target_type="organisation",
        target_id=organisation.id,
        after={"email": bool(address), "post": bool(organisation.postal_address)},
    )
    return True
