"""The partner guide's login life cycle: letters, first login, sessions."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.transactions import in_transaction

from models import Organisation, Session, User
from models.enums import UserStatus
from models.validators import fits_column
from policies.principal import Principal
from policies.vocabulary import Role, org_domain, user_subject
from resolvers.accounts import credentials, letters, lockout, password_history
from resolvers.accounts import mails as account_mails
from resolvers.accounts.addresses import masked_email, one_address_per_user
from resolvers.accounts.passwords import (
    check_strength,
    hash_in_thread,
    verify_two,
)
from resolvers.accounts.person_checks import person_problems, stored_email
from resolvers.accounts.required_actions import ALL_ACTIONS, RequiredAction, required_actions
from resolvers.accounts.sessions import (
    COOKIE_NAME,
    open_session,
    revoke_session,
    revoke_sessions,
    user_may_work,
)
from resolvers.audit import chain as audit_log
from resolvers.habilitations.policy_changes import policy_change
from resolvers.shared.clock import now
from resolvers.shared.context import Context
from resolvers.shared.errors import Conflict, Forbidden, Invalid, RateLimited, Unauthenticated
from resolvers.shared.outbox import queue_mail, wake_sender

BAD_CREDENTIALS = "Identifiant ou mot de passe incorrect."
ALREADY_COMPLETED = (
    "Votre première connexion est déjà terminée : changez votre mot de passe ou votre adresse "
    "mail depuis votre compte, avec votre mot de passe actuel."
)
SESSION_SPENT = "Cette première connexion a déjà été terminée : connectez-vous à nouveau."


@dataclass
class LoginOutcome:
    token: str
    csrf_token: str
    required_actions: list[RequiredAction]


async def _start(ctx: Context, *, user: User | None, organisation_id: int | None,
                 actions: list[RequiredAction]) -> LoginOutcome:
    token, session = await open_session(
        ctx.settings, user=user, organisation_id=organisation_id, restricted=bool(actions)
    )
    ctx.cookies.append((COOKIE_NAME, token))
    return LoginOutcome(token=token, csrf_token=session.csrf_token, required_actions=actions)


async def _which_password(ctx: Context, user: User, password: str) -> str | None:
    """"current", "provisional" (a fresh one from a reset), or None: two checks in every case."""
    fresh = user.provisional_expires_at is not None and user.provisional_expires_at > now()
    provisional = user.provisional_password_hash if fresh else None
    current, other = await verify_two(ctx.settings, user.password_hash, provisional, password)
    return "current" if current else "provisional" if other else None


async def _use_provisional(user: User) -> None:
    """Using the provisional password retires the old one; it must be changed at once."""
    retired = user.password_hash
    user.password_hash, user.provisional_password_hash = user.provisional_password_hash, None
    user.provisional_expires_at, user.must_change_password = None, True
    async with in_transaction():
        await User.filter(id=user.id).update(
            password_hash=user.password_hash, provisional_password_hash=None,
            provisional_expires_at=None, must_change_password=True,
        )
        await password_history.retire(user.id, retired)
    await revoke_sessions(user.id)


async def login(ctx: Context, identifier: str, password: str) -> LoginOutcome:
    await lockout.check_ip(ctx)
    identifier = identifier.strip()
    possible = fits_column(User, "identifier", identifier)
    user = await User.get_or_none(identifier=identifier) if possible else None
    if user is None:
        return await _login_with_letter(ctx, identifier, password)
    async with lockout.password_attempt(ctx, user):
        matched = await _which_password(ctx, user, password)
    # Outside its dates, an account answers the right password as a wrong one, and counts it.
    if matched is None or not user_may_work(user):
        if await lockout.record_failure(ctx, user):
            raise RateLimited(lockout.LOCKED)
        raise Unauthenticated(BAD_CREDENTIALS)
    async with in_transaction():
        await lockout.record_success(ctx, user)
        if matched == "provisional":
            await _use_provisional(user)
    return await _start(ctx, user=user, organisation_id=user.organisation_id,
                        actions=required_actions(user))


async def _login_with_letter(ctx: Context, identifier: str, password: str) -> LoginOutcome:
    """The organisation's letter credentials, or an identifier nobody holds (same cost)."""
    organisation = (
        await Organisation.get_or_none(initial_identifier=identifier, activated_at=None)
        if fits_column(Organisation, "initial_identifier", identifier) else None
    )
    initial = organisation.initial_password_hash if organisation else None
    reissued = organisation.reissued_password_hash if organisation else None
    await lockout.reserve_identifier_attempt(ctx, identifier)
    # Both letter passwords, always: the same work whether a second one is pending or not.
    by_initial, by_reissued = await verify_two(ctx.settings, initial, reissued, password)
    if not (by_initial or by_reissued):
        if await lockout.record_identifier_failure(ctx, identifier, organisation):
            raise RateLimited(lockout.LOCKED)
        raise Unauthenticated(BAD_CREDENTIALS)
    assert organisation is not None  # its letter's password matched
    if await lockout.identifier_locked_since(ctx, identifier):
        raise RateLimited(lockout.LOCKED)
    await lockout.release_identifier_attempt(identifier)
    if by_reissued and not by_initial:
        await letters.use_reissued_password(organisation)
    return await _start(ctx, user=None, organisation_id=organisation.id, actions=ALL_ACTIONS)


@dataclass
class FirstLoginInput:
    last_name: str
    first_name: str
    email: str
    phone: str | None
    new_password: str
    accept_usage_rules: bool
    accept_terms: bool


def _check_first_login(ctx: Context, data: FirstLoginInput) -> None:
    problems = person_problems(data.last_name, data.first_name, data.email, data.phone)
    if not data.accept_usage_rules:
        problems["acceptUsageRules"] = "Vous devez accepter les règles d'usage."
    if not data.accept_terms:
        problems["acceptTerms"] = "Vous devez accepter les conditions d'utilisation."
    try:
        check_strength(ctx.settings, data.new_password)
    except Invalid as exc:
        problems.update(exc.problems)
    if problems:
        raise Invalid(problems)


def _profile_fields(user: User | None, data: FirstLoginInput, password_hash: str) -> dict:
    """The columns a completed first login writes."""
    moment = now()
    return {
        "last_name": data.last_name.strip(), "first_name": data.first_name.strip(),
        "email": stored_email(data.email), "phone": data.phone,
        "password_hash": password_hash, "must_change_password": False,
        "provisional_password_hash": None, "provisional_expires_at": None,
        "status": UserStatus.ACTIVE,
        "profile_completed_at": (user and user.profile_completed_at) or moment,
        "usage_rules_accepted_at": moment, "terms_accepted_at": moment,
    }


def _profile_state(user: User) -> dict:
    """What the audit trail shows of a first login: the address masked, never the password."""
    return {"email": masked_email(user.email), "status": user.status.value,
            "requiredActions": [a.value for a in required_actions(user)]}


async def _spend_session(session_id: int | None) -> None:
    """A first-login session completes once: of parallel calls, one claims it (an atomic
    conditional UPDATE inside the completion's transaction), the others change nothing."""
    if not await Session.filter(id=session_id, revoked_at=None).update(revoked_at=now()):
        raise Conflict(SESSION_SPENT)


async def complete_first_login(ctx: Context, data: FirstLoginInput) -> LoginOutcome:
    """Only on a restricted session that still has required actions (see PendingFirstLogin);
    a full session changes its password and address with the current password instead."""
    principal = ctx.caller
    _check_first_login(ctx, data)
    if principal.user_id is None:
        await letters.ensure_not_activated(ctx.organisation_id)  # buys no hash then
        password_hash = await hash_in_thread(ctx.settings, data.new_password)
        user = await _activate_organisation(ctx, principal, data, password_hash)
    else:
        user = await _complete_profile(ctx, principal, data)
    return await _start(ctx, user=user, organisation_id=user.organisation_id, actions=[])


async def _complete_profile(ctx: Context, principal: Principal, data: FirstLoginInput) -> User:
    user = await User.get(id=principal.user_id)
    if not required_actions(user):
        raise Forbidden(ALREADY_COMPLETED)
    await password_history.ensure_not_reused(ctx.settings, user, data.new_password)
    password_hash = await hash_in_thread(ctx.settings, data.new_password)
    before, old_hash, old_email = _profile_state(user), user.password_hash, user.email
    fields = _profile_fields(user, data, password_hash)
    async with one_address_per_user(), in_transaction():
        await _spend_session(principal.session_id)
        # Compare-and-set on the password: a parallel completion from another of the user's
        # sessions, or a password change, got there first.
        if not await User.filter(id=user.id, password_hash=old_hash).update(**fields):
            raise Conflict(SESSION_SPENT)
        user.update_from_dict(fields)
        await password_history.retire(user.id, old_hash)
        await credentials.record_own_change(user, "first_login_completed", before,
                                            _profile_state(user))
        await credentials.tell_old_address(user, old_email, user.email)
    await revoke_sessions(user.id)
    wake_sender(ctx.services)
    return user


async def _activate_organisation(
    ctx: Context, principal: Principal, data: FirstLoginInput, password_hash: str
) -> User:
    """The first person to finish becomes the administrator; the letter's passwords die."""
    organisation_id = ctx.organisation_id
    domain = org_domain(organisation_id)
    async with one_address_per_user(), policy_change(ctx.services, domain) as enforcer:
        won = await Organisation.filter(id=organisation_id, activated_at=None).update(
            activated_at=now(), initial_password_hash=None, reissued_password_hash=None,
            letters_requested_at=None,
        )
        if not won:  # the conditional UPDATE: of concurrent completions exactly one wins
            raise Conflict(letters.ALREADY_ACTIVATED)
        await letters.ensure_letter_still_holds(principal.session_id)
        await _spend_session(principal.session_id)
        organisation = await Organisation.get(id=organisation_id)
        user = await User.create(organisation_id=organisation_id,
                                 identifier=organisation.initial_identifier,
                                 **_profile_fields(None, data, password_hash))
        # The other letter sessions stay: completing one now answers ALREADY_ACTIVATED.
        await Organisation.filter(id=organisation_id).update(administrator_id=user.id)
        await enforcer.add_role_for_user_in_domain(
            user_subject(user.id), Role.ADMINISTRATEUR, domain
        )
        await audit_log.record(
            "organisation_activated", actor_id=user.id, actor_label=user.identifier,
            organisation_id=organisation_id, target_type="user", target_id=user.id,
            before=None, after={"roles": [Role.ADMINISTRATEUR.value], "groups": [],
                                "status": UserStatus.ACTIVE.value,
                                "email": masked_email(user.email)},
            delegation=[{"by": "letter", "organisation": organisation.user_number}],
        )
    return user


async def change_password(ctx: Context, current: str, new: str) -> LoginOutcome:
    """Every session of the user ends; the caller gets a fresh one."""
    user_id = ctx.caller.user_id
    if user_id is None:  # the letter's session: no password of one's own yet
        raise Unauthenticated("Terminez d'abord la première connexion.")
    user = await User.get(id=user_id)
    check_strength(ctx.settings, new)
    await credentials.check_current_password(ctx, user, current)
    if new == current:
        raise Invalid({"newPassword": password_history.REUSED})
    await password_history.ensure_not_reused(ctx.settings, user, new,
                                             current_known_different=True)
    password_hash = await hash_in_thread(ctx.settings, new)
    before = {"mustChangePassword": user.must_change_password,
              "provisionalPending": user.provisional_password_hash is not None}
    async with in_transaction():
        # Compare-and-set: of two parallel changes from the same password, one wins.
        changed = await User.filter(id=user.id, password_hash=user.password_hash).update(
            password_hash=password_hash, must_change_password=False,
            provisional_password_hash=None, provisional_expires_at=None,
        )
        if not changed:
            raise Conflict(credentials.CHANGED_MEANWHILE)
        await password_history.retire(user.id, user.password_hash)
        await credentials.record_own_change(
            user, "password_changed", before,
            {"mustChangePassword": False, "provisionalPending": False, "sessionsEnded": True},
        )
        if user.email:
            await queue_mail(user.email, *account_mails.password_changed(user, now()))
    await revoke_sessions(user.id)
    wake_sender(ctx.services)
    user = await User.get(id=user.id)
    return await _start(ctx, user=user, organisation_id=user.organisation_id,
                        actions=required_actions(user))


async def logout(ctx: Context) -> bool:
    principal = ctx.caller
    async with in_transaction():
        await revoke_session(principal.session_id)
        await _record_logout(principal)
    ctx.cookies.append((COOKIE_NAME, None))
    return True


async def _record_logout(principal: Principal) -> None:
    if principal.user_id is not None:
        user = await User.get(id=principal.user_id).only("id", "identifier")
        actor_id, label = user.id, user.identifier
    else:  # the letter's session: the organisation's letter identifier acts
        organisation = await Organisation.get(id=principal.organisation_id)
        actor_id, label = None, organisation.initial_identifier
    await audit_log.record(
        "logout", actor_id=actor_id, actor_label=label,
        organisation_id=principal.organisation_id, target_type="session",
        target_id=principal.session_id,
    )
