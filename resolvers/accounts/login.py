"""The partner guide's login life cycle: letters, first login, sessions."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from tortoise.transactions import in_transaction

from models import Organisation, User
from models.enums import UserStatus
from models.validators import fits_column
from policies.vocabulary import Role, org_domain, user_subject
from resolvers.accounts import lockout
from resolvers.accounts.passwords import check_strength, hash_in_thread, verify_in_thread
from resolvers.accounts.person_checks import person_problems
from resolvers.accounts.sessions import (
    COOKIE_NAME,
    open_session,
    revoke_letter_sessions,
    revoke_session,
    revoke_sessions,
    user_may_work,
)
from resolvers.audit import chain as audit_log
from resolvers.habilitations.policy_changes import policy_change
from resolvers.shared.clock import now
from resolvers.shared.context import Context
from resolvers.shared.errors import Conflict, Invalid, RateLimited, Unauthenticated

BAD_CREDENTIALS = "Identifiant ou mot de passe incorrect."
OUTSIDE_DATES = (
    "Votre accès n'est pas ouvert à cette date (en dehors de ses dates d'ouverture et de "
    "clôture) : adressez-vous à l'administrateur de votre organisme."
)
SAME_PASSWORD = "Choisissez un mot de passe différent du précédent."


class RequiredAction(Enum):
    COMPLETE_PROFILE = "COMPLETE_PROFILE"
    SET_PASSWORD = "SET_PASSWORD"
    ACCEPT_USAGE_RULES = "ACCEPT_USAGE_RULES"
    ACCEPT_TERMS = "ACCEPT_TERMS"


ALL_ACTIONS = list(RequiredAction)


@dataclass
class LoginOutcome:
    token: str
    csrf_token: str
    required_actions: list[RequiredAction]


def required_actions(user: User) -> list[RequiredAction]:
    pending = {
        RequiredAction.COMPLETE_PROFILE: user.profile_completed_at is None,
        RequiredAction.SET_PASSWORD: user.must_change_password,
        RequiredAction.ACCEPT_USAGE_RULES: user.usage_rules_accepted_at is None,
        RequiredAction.ACCEPT_TERMS: user.terms_accepted_at is None,
    }
    return [action for action, missing in pending.items() if missing]


async def _start(ctx: Context, *, user: User | None, organisation_id: int | None,
                 actions: list[RequiredAction]) -> LoginOutcome:
    token, session = await open_session(
        ctx.settings, user=user, organisation_id=organisation_id, restricted=bool(actions)
    )
    ctx.cookies.append((COOKIE_NAME, token))
    return LoginOutcome(token=token, csrf_token=session.csrf_token, required_actions=actions)


async def _which_password(ctx: Context, user: User, password: str) -> str | None:
    """"current", "provisional" (a fresh one from a reset), or None."""
    if await verify_in_thread(ctx.settings, user.password_hash, password):
        return "current"
    fresh = user.provisional_expires_at is not None and user.provisional_expires_at > now()
    if fresh and await verify_in_thread(ctx.settings, user.provisional_password_hash, password):
        return "provisional"
    return None


async def _use_provisional(user: User) -> None:
    """Using the provisional password retires the old one; it must be changed at once."""
    user.password_hash, user.provisional_password_hash = user.provisional_password_hash, None
    user.provisional_expires_at, user.must_change_password = None, True
    await User.filter(id=user.id).update(
        password_hash=user.password_hash, provisional_password_hash=None,
        provisional_expires_at=None, must_change_password=True,
    )
    await revoke_sessions(user.id)


async def login(ctx: Context, identifier: str, password: str) -> LoginOutcome:
    await lockout.check_ip(ctx)
    identifier = identifier.strip()
    possible = fits_column(User, "identifier", identifier)
    user = await User.get_or_none(identifier=identifier) if possible else None
    if user is None:
        return await _login_with_letter(ctx, identifier, password)
    matched = await _which_password(ctx, user, password)
    if lockout.is_locked(user):
        raise RateLimited(lockout.LOCKED)
    if matched is None:
        if await lockout.record_failure(ctx, user):
            raise RateLimited(lockout.LOCKED)
        raise Unauthenticated(BAD_CREDENTIALS)
    if not user_may_work(user):
        raise Unauthenticated(OUTSIDE_DATES)
    if matched == "provisional":
        await _use_provisional(user)
    await lockout.record_success(ctx, user)
    return await _start(ctx, user=user, organisation_id=user.organisation_id,
                        actions=required_actions(user))


async def _login_with_letter(ctx: Context, identifier: str, password: str) -> LoginOutcome:
    """The organisation's letter credentials, or an identifier nobody holds (same cost)."""
    organisation = (
        await Organisation.get_or_none(initial_identifier=identifier, activated_at=None)
        if fits_column(Organisation, "initial_identifier", identifier) else None
    )
    hashed = organisation.initial_password_hash if organisation else None
    matched = await verify_in_thread(ctx.settings, hashed, password)
    if await lockout.identifier_locked(ctx, identifier):
        raise RateLimited(lockout.LOCKED)
    if not matched:
        if await lockout.record_identifier_failure(ctx, identifier, organisation):
            raise RateLimited(lockout.LOCKED)
        raise Unauthenticated(BAD_CREDENTIALS)
    assert organisation is not None  # its letter's password matched
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


def _apply_profile(user: User, data: FirstLoginInput, password_hash: str) -> None:
    moment = now()
    user.last_name, user.first_name = data.last_name.strip(), data.first_name.strip()
    user.email, user.phone = data.email, data.phone
    user.password_hash = password_hash
    user.must_change_password = False
    user.provisional_password_hash = user.provisional_expires_at = None
    user.status = UserStatus.ACTIVE
    user.profile_completed_at = user.profile_completed_at or moment
    user.usage_rules_accepted_at = user.terms_accepted_at = moment


async def complete_first_login(ctx: Context, data: FirstLoginInput) -> LoginOutcome:
    principal = ctx.caller
    _check_first_login(ctx, data)
    if principal.user_id is None:
        password_hash = await hash_in_thread(ctx.settings, data.new_password)
        user = await _activate_organisation(ctx, ctx.organisation_id, data, password_hash)
    else:
        user = await User.get(id=principal.user_id)
        if await verify_in_thread(ctx.settings, user.password_hash, data.new_password):
            raise Invalid({"newPassword": SAME_PASSWORD})
        password_hash = await hash_in_thread(ctx.settings, data.new_password)
        async with in_transaction():
            _apply_profile(user, data, password_hash)
            await user.save()
            await audit_log.record(
                "first_login_completed", actor_id=user.id, actor_label=user.identifier,
                organisation_id=user.organisation_id, target_type="user", target_id=user.id,
            )
        await revoke_sessions(user.id)
    await revoke_session(principal.session_id)
    return await _start(ctx, user=user, organisation_id=user.organisation_id, actions=[])


async def _activate_organisation(
    ctx: Context, organisation_id: int, data: FirstLoginInput, password_hash: str
) -> User:
    """The first person to finish becomes the administrator; the letter's password dies."""
    domain = org_domain(organisation_id)
    async with policy_change(ctx.services, domain) as enforcer:
        won = await Organisation.filter(id=organisation_id, activated_at=None).update(
            activated_at=now(), initial_password_hash=None
        )
        if not won:
            raise Conflict("Ce compte a déjà été activé : connectez-vous avec votre identifiant.")
        organisation = await Organisation.get(id=organisation_id)
        user = User(organisation_id=organisation_id, identifier=organisation.initial_identifier)
        _apply_profile(user, data, password_hash)
        await user.save()
        await Organisation.filter(id=organisation_id).update(administrator_id=user.id)
        await revoke_letter_sessions(organisation_id)
        await enforcer.add_role_for_user_in_domain(
            user_subject(user.id), Role.ADMINISTRATEUR, domain
        )
        await audit_log.record(
            "organisation_activated", actor_id=user.id, actor_label=user.identifier,
            organisation_id=organisation_id, target_type="user", target_id=user.id,
            before=None, after={"roles": [Role.ADMINISTRATEUR.value], "groups": [],
                                "status": UserStatus.ACTIVE.value},
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
    matched = await verify_in_thread(ctx.settings, user.password_hash, current)
    if lockout.is_locked(user):
        raise RateLimited(lockout.LOCKED)
    if not matched:
        if await lockout.record_failure(ctx, user):
            raise RateLimited(lockout.LOCKED)
        raise Invalid({"currentPassword": "Le mot de passe actuel est incorrect."})
    if new == current:
        raise Invalid({"newPassword": SAME_PASSWORD})
    password_hash = await hash_in_thread(ctx.settings, new)
    async with in_transaction():
        await User.filter(id=user.id).update(
            password_hash=password_hash, must_change_password=False,
            provisional_password_hash=None, provisional_expires_at=None,
        )
        await audit_log.record(
            "password_changed", actor_id=user.id, actor_label=user.identifier,
            organisation_id=user.organisation_id, target_type="user", target_id=user.id,
        )
    await revoke_sessions(user.id)
    user = await User.get(id=user.id)
    return await _start(ctx, user=user, organisation_id=user.organisation_id,
                        actions=required_actions(user))


async def logout(ctx: Context) -> bool:
    await revoke_session(ctx.caller.session_id)
    ctx.cookies.append((COOKIE_NAME, None))
    return True
