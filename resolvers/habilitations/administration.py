"""Administration of habilitations: users, their groups, and delegation to responsables.

Invariants: who may change whom is the one rule of `delegation` (a responsable stays inside its
perimeter, touches neither the administrateur nor other responsables, names nobody), checked
inside each change's transaction; nobody grants a group of another organisation; every change
goes through the enforcer and the audit trail in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from models import HabilitationGroup, User
from models.enums import UserStatus, WorkMode
from policies.defaults import perimeter_rules
from policies.vocabulary import Act, Role, group_subject, org_domain, parse_id, user_subject
from resolvers.accounts.addresses import one_address_per_user
from resolvers.accounts.passwords import generate_identifier, generate_password, hash_in_thread
from resolvers.accounts.person_checks import person_problems, stored_email
from resolvers.accounts.sessions import revoke_sessions
from resolvers.audit import chain as audit_log
from resolvers.audit.actor import latest_grant
from resolvers.habilitations.delegation import delegated, group_pairs, perimeter_groups
from resolvers.habilitations.user_filter import UserFilter, user_conditions
from resolvers.shared.clock import today
from resolvers.shared.context import Context
from resolvers.shared.errors import Conflict, Invalid, NotFound, invalid
from resolvers.shared.outbox import credentials_block, queue_mail
from resolvers.shared.pagination import Page, paginate

EMPTY_PERIMETER = (
    "Indiquez au moins un groupe, ou aucun : le périmètre est alors celui des groupes que le "
    "responsable détient."
)


@dataclass
class NewUser:
    last_name: str
    first_name: str
    email: str
    email_confirmation: str
    phone: str | None
    phone_confirmation: str | None
    opening_date: date | None
    closing_date: date | None
    work_mode: WorkMode
    group_ids: list[int]


def domain_of(user: User) -> str:
    """The Casbin domain of an organisation's user (every user these changes touch has one)."""
    if user.organisation_id is None:
        raise NotFound("Utilisateur introuvable.")
    return org_domain(user.organisation_id)


async def habilitation_state(enforcer, user: User) -> dict:
    """The full habilitation state of a user, as audit events record it.

    `{"roles": [...], "groups": [group ids], "status": ..., "closing_date": ...}`, read through
    `enforcer` (pass the private enforcer of the current `policy_change`, so that the state seen
    inside the transaction includes its own changes). Habilitation audit events on a user store
    this shape as before/after: it is the one definition of the state, shared by every change.
    A responsable whose perimeter was set explicitly also has `"perimeter": [group ids]`.
    """
    domain = domain_of(user)
    names = await enforcer.get_roles_for_user_in_domain(user_subject(user.id), domain)
    state = {
        "roles": sorted(n for n in names if not n.startswith("grp:")),
        "groups": sorted(parse_id(n) for n in names if n.startswith("grp:")),
        "status": user.status.value,
        "closing_date": user.closing_date.isoformat() if user.closing_date else None,
    }
    explicit = perimeter_groups(enforcer, domain, user.id)
    if explicit is not None:
        state["perimeter"] = explicit
    await _name_groups(state)
    return state


async def _name_groups(state: dict) -> None:
    """Beside the ids (what replays read), the groups' names as they were (what people read):
    `named_groups` / `named_perimeter`, [{"id", "name"}], present when there are groups."""
    ids = set(state["groups"]) | set(state.get("perimeter") or ())
    if not ids:
        return
    names = dict(await HabilitationGroup.filter(id__in=ids).values_list("id", "name"))
    for key, named in (("groups", "named_groups"), ("perimeter", "named_perimeter")):
        if state.get(key):
            state[named] = [{"id": gid, "name": names.get(gid)} for gid in state[key]]


# The events that make a user an administrateur or a responsable d'habilitation.
DELEGATING = ("habilitation_manager_set", "organisation_activated", "administrator_replaced")


async def delegation_chain(ctx: Context, enforcer) -> list[dict]:
    """Who granted the actor the right they use: up to the administrateur and the letter."""
    chain: list[dict] = []
    user_id: int | None = ctx.user_id
    seen: set[int] = set()
    domain = org_domain(ctx.organisation_id)
    while user_id is not None and user_id not in seen:
        seen.add(user_id)
        roles = set(await enforcer.get_roles_for_user_in_domain(user_subject(user_id), domain))
        role = Role.ADMINISTRATEUR if Role.ADMINISTRATEUR.value in roles else Role.RESPONSABLE
        grant = await latest_grant(user_id, DELEGATING)
        chain.append({"user": user_id, "role": role.value, **grant})
        granted_by = grant["grantedBy"]
        user_id = granted_by if granted_by is not None and granted_by != user_id else None
    return chain


def _check_new_user(data: NewUser) -> None:
    problems = person_problems(data.last_name, data.first_name, data.email, data.phone)
    if "email" not in problems and data.email.lower() != data.email_confirmation.lower():
        problems["emailConfirmation"] = "Les deux adresses mail ne sont pas identiques."
    if (data.phone or "") != (data.phone_confirmation or ""):
        problems["phoneConfirmation"] = "Les deux numéros de téléphone ne sont pas identiques."
    if data.opening_date and data.closing_date and data.closing_date < data.opening_date:
        problems["closingDate"] = "La date de clôture précède la date d'ouverture."
    if problems:
        raise Invalid(problems)


def check_closing_date(user: User, closing_date: date) -> None:
    """Today or later, never before the opening date: a closure is not backdated, since the
    trail and the sessions must say when access really ended."""
    if user.opening_date and closing_date < user.opening_date:
        raise Invalid({"closingDate": "La date de clôture précède la date d'ouverture "
                                      f"de l'utilisateur ({user.opening_date:%d/%m/%Y})."})
    if closing_date < today():
        raise Invalid({"closingDate": "La date de clôture ne peut pas être passée : choisissez "
                                      "aujourd'hui (clôture immédiate) ou une date à venir."})


def _creation_mail(organisation_name: str, identifier: str, password: str) -> str:
    return (
        "Bonjour,\n\n"
        f"Un accès à Mon Compte Partenaire vous a été ouvert pour {organisation_name}.\n\n"
        f"{credentials_block(identifier, password)}\n"
        "À votre première connexion, vous personnaliserez votre mot de passe et accepterez "
        "les règles d'usage et les conditions d'utilisation.\n\nLa Caf\n"
    )


async def _unique_identifier() -> str:
    while True:
        identifier = generate_identifier("U")
        if not await User.exists(identifier=identifier):
            return identifier


async def create_user(ctx: Context, data: NewUser) -> User:
    _check_new_user(data)
    organisation_id = ctx.organisation_id
    domain = org_domain(organisation_id)
    password = generate_password()
    # Hashed before the transaction, which holds the organisation's policy lock (on SQLite the
    # database's write lock) from its first statement.
    password_hash = await hash_in_thread(ctx.settings, password)
    async with one_address_per_user(), delegated(ctx, group_ids=data.group_ids) as change:
        from models import Organisation

        enforcer = change.enforcer
        organisation = await Organisation.get(id=organisation_id)
        user = await User.create(
            organisation_id=organisation_id, identifier=await _unique_identifier(),
            last_name=data.last_name.strip(), first_name=data.first_name.strip(),
            email=stored_email(data.email), phone=data.phone, opening_date=data.opening_date,
            closing_date=data.closing_date, work_mode=data.work_mode, status=UserStatus.PENDING,
            password_hash=password_hash, must_change_password=True,
            created_by_id=ctx.user_id,
        )
        for group in change.groups:
            await enforcer.add_role_for_user_in_domain(
                user_subject(user.id), group_subject(group.id), domain
            )
        await queue_mail(data.email, "Votre accès à Mon Compte Partenaire",
                         _creation_mail(organisation.name, user.identifier, password))
        await record_change(ctx, enforcer, "user_created", user, None)
    ctx.services.mail_queued.set()
    return user


async def record_change(
    ctx: Context, enforcer, action: str, user: User, before: dict | None,
    extra: dict | None = None,
) -> None:
    """Audit a change to `user`: `after` is the state read now, inside the same transaction
    (with `extra`, the fields of the record that changed)."""
    after = {**await habilitation_state(enforcer, user), **(extra or {})}
    await audit_log.record(
        action, actor_id=ctx.user_id, actor_label=await _actor_label(ctx),
        organisation_id=user.organisation_id, target_type="user", target_id=user.id,
        before=before, after=after, delegation=await delegation_chain(ctx, enforcer),
    )


async def _actor_label(ctx: Context) -> str:
    actor = await User.get(id=ctx.user_id).only("id", "identifier")
    return actor.identifier


async def set_user_groups(ctx: Context, user_id: int, group_ids: list[int]) -> User:
    async with delegated(ctx, user_id, group_ids) as change:
        enforcer, user = change.enforcer, change.user
        domain = domain_of(user)
        before = await habilitation_state(enforcer, user)
        subject = user_subject(user.id)
        for current in before["groups"]:
            await enforcer.delete_roles_for_user_in_domain(subject, group_subject(current), domain)
        for group in change.groups:
            await enforcer.add_role_for_user_in_domain(subject, group_subject(group.id), domain)
        await record_change(ctx, enforcer, "user_groups_set", user, before)
    return user


async def set_habilitation_manager(
    ctx: Context, user_id: int, enabled: bool, group_ids: list[int] | None = None
) -> User:
    """Name (or dismiss) a responsable; `group_ids` sets its perimeter explicitly (None: the
    groups it holds, whichever they are at the time it acts)."""
    if group_ids is not None and not enabled:
        raise invalid("groupIds", "Un périmètre ne se fixe qu'en désignant un responsable.")
    if group_ids is not None and not group_ids:
        raise invalid("groupIds", EMPTY_PERIMETER)
    async with delegated(ctx, user_id, group_ids or (), naming=True) as change:
        enforcer, user = change.enforcer, change.user
        domain = domain_of(user)
        before = await habilitation_state(enforcer, user)
        if Role.ADMINISTRATEUR.value in before["roles"]:
            raise Conflict("L'administrateur a déjà tous les droits de gestion.")
        subject = user_subject(user.id)
        await enforcer.remove_filtered_policy(0, subject, domain, "", "", Act.GRANT.value)
        if enabled:
            await enforcer.add_role_for_user_in_domain(subject, Role.RESPONSABLE.value, domain)
            pairs = group_pairs(enforcer, domain, (g.id for g in change.groups))
            if group_ids is not None and not pairs:  # stored as nothing, it would read as default
                raise invalid("groupIds", "Ces groupes ne couvrent aucun logement.")
            if pairs:
                await enforcer.add_policies(perimeter_rules(ctx.organisation_id, user.id, pairs))
        else:
            await enforcer.delete_roles_for_user_in_domain(subject, Role.RESPONSABLE.value, domain)
        await record_change(ctx, enforcer, "habilitation_manager_set", user, before)
    return user


async def close_user(ctx: Context, user_id: int, closing_date: date) -> User:
    async with delegated(ctx, user_id) as change:
        enforcer, user = change.enforcer, change.user
        before = await habilitation_state(enforcer, user)
        if Role.ADMINISTRATEUR.value in before["roles"]:
            raise Conflict(
                "L'administrateur ne peut pas être clôturé : contactez la Caf pour le remplacer."
            )
        check_closing_date(user, closing_date)
        user.closing_date = closing_date
        if closing_date <= today():
            user.status = UserStatus.CLOSED
        await user.save(update_fields=["closing_date", "status"])
        await record_change(ctx, enforcer, "user_closed", user, before)
    if user.status == UserStatus.CLOSED:
        await revoke_sessions(user.id)
    return user


async def list_users(
    ctx: Context, first: int, after: list | None, wanted: UserFilter | None = None
) -> Page[User]:
    query = User.filter(organisation_id=ctx.caller.organisation_id)
    if wanted is not None:
        query = query.filter(await user_conditions(ctx, wanted))
    return await paginate(query, ("last_name", "first_name", "id"), first, after)


async def organisation_groups(ctx: Context) -> list[HabilitationGroup]:
    query = HabilitationGroup.filter(organisation_id=ctx.caller.organisation_id)
    return await query.order_by("name")
