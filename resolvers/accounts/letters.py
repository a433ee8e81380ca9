"""An organisation's activation letters after the import: sent again, used, reissued.

Nothing an anonymous caller does voids the letters an organisation holds. « Identifiant perdu »
adds a second letter password (`reissued_password_hash`) beside the first and sends it by post
(and e-mail when the organisation has an address); the first connection with the new one
retires the former. Without a postal address the request waits for the agency, whose agent may
reissue the letters: that explicit action, audited, is the only one that replaces them outright.
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.transactions import in_transaction

from models import Organisation, Session, User
from models.enums import MailChannel
from resolvers.accounts import mails as account_mails
from resolvers.accounts.passwords import generate_password, hash_in_thread
from resolvers.accounts.sessions import revoke_letter_sessions
from resolvers.audit import chain as audit_log
from resolvers.audit.actor import record_anonymous
from resolvers.shared.clock import now
from resolvers.shared.context import Context
from resolvers.shared.errors import Conflict, NotFound, Unauthenticated
from resolvers.shared.outbox import queue_mail, wake_sender
from resolvers.shared.pagination import Page, paginate

ALREADY_ACTIVATED = "Cet organisme a déjà un administrateur."
REPLACED = "Ces courriers ont été remplacés : connectez-vous avec les nouveaux."


async def ensure_not_activated(organisation_id: int) -> None:
    """A letter session left from before the activation can only be told so (the activation
    itself is decided by a conditional UPDATE, not by this read)."""
    if await Organisation.filter(id=organisation_id, activated_at__isnull=False).exists():
        raise Conflict(ALREADY_ACTIVATED)


async def ensure_letter_still_holds(session_id: int | None) -> None:
    """Run inside the activation's transaction, after its conditional UPDATE: a session whose
    letter was replaced meanwhile (an agent's reissue, the new password used) is revoked in the
    same transaction as the replacement, so it reads as revoked here and activates nothing."""
    if not await Session.filter(id=session_id or 0, revoked_at=None).exists():
        raise Unauthenticated(REPLACED)


async def _post(organisation: Organisation, password: str, *, by_agency: bool) -> None:
    address = "\n".join(organisation.postal_lines)
    letters = account_mails.activation_letters(
        organisation, organisation.initial_identifier, password, by_agency=by_agency
    )
    for subject, body in letters:
        await queue_mail(address, subject, body, channel=MailChannel.POST)


async def resend_before_activation(
    ctx: Context, organisation: Organisation, password: str, password_hash: str
) -> bool:
    """« Identifiant perdu » before activation (inside the caller's transaction); True when
    something was queued. The letter already held keeps working."""
    posted, address = bool(organisation.postal_lines), organisation.email
    sent = posted or bool(address)
    changes: dict = {"reissued_password_hash": password_hash} if sent else {}
    if not posted:
        changes["letters_requested_at"] = now()
    if not await Organisation.filter(id=organisation.id, activated_at=None).update(**changes):
        return False
    if address:
        subject, body = account_mails.letters_by_mail(
            organisation, organisation.initial_identifier, password
        )
        await queue_mail(address, subject, body)
    if posted:
        await _post(organisation, password, by_agency=False)
    await record_anonymous(
        ctx, "lost_identifier_requested", organisation_id=organisation.id,
        target_type="organisation", target_id=organisation.id,
        after={"email": bool(address), "post": posted, "agency": not posted},
    )
    return sent


async def use_reissued_password(organisation: Organisation) -> None:
    """The new letter password has served: it becomes the letter's, the former one is retired
    and so are the sessions it opened."""
    async with in_transaction():
        promoted = await Organisation.filter(
            id=organisation.id, activated_at=None,
            reissued_password_hash=organisation.reissued_password_hash,
        ).update(initial_password_hash=organisation.reissued_password_hash,
                 reissued_password_hash=None)
        if promoted:
            await revoke_letter_sessions(organisation.id)


async def pending_reissues(first: int, after: list | None) -> Page[Organisation]:
    query = Organisation.filter(activated_at=None, letters_requested_at__isnull=False)
    return await paginate(query, ("id",), first, after)


@dataclass
class ReissuedLetters:
    organisation: Organisation
    identifier: str
    password: str | None  # None when the letters went by post: nobody needs to read it
    posted: bool


async def reissue_letters(
    ctx: Context, organisation_id: int, *, replace_former: bool = False
) -> ReissuedLetters:
    """An agent's explicit action. By default the new password works beside the former one,
    which dies only when the new one is first used (as for « identifiant perdu »:
    `use_reissued_password`): what works keeps working until its replacement is used. With
    `replace_former=True` (letters lost or stolen) the former passwords die at once."""
    organisation = await Organisation.get_or_none(id=organisation_id)
    if organisation is None:
        raise NotFound("Organisme introuvable.")
    actor = await User.get(id=ctx.user_id)
    password = generate_password()
    password_hash = await hash_in_thread(ctx.settings, password)
    posted = bool(organisation.postal_lines)
    if replace_former:
        changes = {"initial_password_hash": password_hash, "reissued_password_hash": None}
    else:
        changes = {"reissued_password_hash": password_hash}
    async with in_transaction():
        replaced = await Organisation.filter(id=organisation.id, activated_at=None).update(
            letters_requested_at=None, **changes
        )
        if not replaced:
            raise Conflict(ALREADY_ACTIVATED)
        if replace_former:
            await revoke_letter_sessions(organisation.id)
        if posted:
            await _post(organisation, password, by_agency=True)
        await audit_log.record(
            "activation_letters_reissued", actor_id=actor.id, actor_label=actor.identifier,
            organisation_id=organisation.id, target_type="organisation",
            target_id=organisation.id,
            before={"lettersRequestedAt": organisation.letters_requested_at},
            after={"post": posted} if replace_former else {"post": posted, "formerKept": True},
            delegation=[{"role": actor.agency_role.value, "domain": "caf"}],
        )
    if posted:
        wake_sender(ctx.services)
    return ReissuedLetters(organisation, organisation.initial_identifier,
                           None if posted else password, posted)
