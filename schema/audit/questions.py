"""The auditor's questions (role auditeur, read-only, across organisations): policies in force,
why an access holds, who can access what — now, at a past instant, or at any time in an interval
(with the periods) — and the audit trail."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from policies.vocabulary import Act
from resolvers.audit import intervals, reads, simulate
from resolvers.audit import questions as resolve
from resolvers.audit import trail as audit_trail
from resolvers.audit.policy_report import policy_report
from schema.audit.instants import (
    AS_OF_HELP,
    AT_HELP,
    BETWEEN_HELP,
    AccessInterval,
    AccessPeriod,
    Instant,
    one_moment,
)
from schema.audit.types import (
    AccessCount,
    AccessExplanation,
    AuditAnchorInput,
    AuditChainReport,
    AuditedUser,
    AuditEvent,
    AuditEventFilter,
    OrganisationPolicies,
    SimulatedAccessChange,
    SimulateHabilitationChangeInput,
    UserAccess,
)
from schema.common import (
    Action,
    Connection,
    HousingType,
    check_page_size,
    connection_of,
    decode_cursor,
    decode_id,
)
from schema.info import Info
from schema.permissions import MayAudit

AsOf = Annotated[
    date | None,
    strawberry.argument(
        description="Date passée : l'état est reconstruit depuis le journal d'audit "
        "(vide : aujourd'hui). " + AS_OF_HELP
    ),
]
At = Annotated[Instant | None, strawberry.argument(description=AT_HELP)]
Between = Annotated[AccessInterval | None, strawberry.argument(description=BETWEEN_HELP)]


def _with_periods(over: intervals.UserPeriods) -> AccessExplanation:
    answer = AccessExplanation.build(over.user, over.explanation, over.tenant_left_at)
    answer.periods = [AccessPeriod.build(p) for p in over.periods]
    return answer


def _now_or_then(found: resolve.UserExplanation) -> AccessExplanation:
    return AccessExplanation.build(found.user, found.explanation, found.tenant_left_at)


async def _asked(
    info: Info, question: str, tenant_id: int, action: Action, when: object,
    user_id: int | None = None,
) -> None:
    """The auditor's read, recorded once whichever time was asked (after the answer: a refused
    read records nothing)."""
    await reads.tenant_access_read(
        info.context, question, tenant_id, action.value, reads.moment_of(when), user_id
    )


def _ids(values: list[strawberry.ID] | None) -> list[int] | None:
    return None if values is None else [decode_id(v) for v in values]


@strawberry.type
class AuditQuery:
    @strawberry.field(
        description="Règles et appartenances en vigueur d'une organisation, en termes métier et "
        "en lignes Casbin, avec le modèle Casbin.",
        permission_classes=[MayAudit],
    )
    async def policies(
        self, info: Info, organisation_id: strawberry.ID
    ) -> OrganisationPolicies:
        organisation = await resolve.organisation_or_404(decode_id(organisation_id))
        view = await resolve.view_of(info.context, organisation, None)
        report = await policy_report(view, organisation)
        await reads.policies_read(info.context, organisation.id)
        return OrganisationPolicies.build(report)

    @strawberry.field(
        description="L'accès d'un utilisateur à un locataire est-il accordé, par quel chemin, "
        "ou pour quelle raison est-il refusé.",
        permission_classes=[MayAudit],
    )
    async def explain_access(
        self,
        info: Info,
        user_id: strawberry.ID,
        tenant_id: strawberry.ID,
        action: Action,
        as_of: AsOf = None,
        at: At = None,
        between: Between = None,
    ) -> AccessExplanation:
        when, act = one_moment(as_of, at, between), Act(action.value)
        ids = decode_id(user_id), decode_id(tenant_id)
        if isinstance(when, intervals.Interval):
            over = await intervals.explain_over(info.context, *ids, act, when)
            user, answer = over.user, _with_periods(over)
        else:
            found = await resolve.explain_access(info.context, *ids, act, when)
            user, answer = found.user, _now_or_then(found)
        await _asked(info, "explainAccess", ids[1], action, when, user.id)
        return answer

    @strawberry.field(
        description="Les utilisateurs qui ont accès à un locataire, avec leur chemin ; avec "
        "`between`, ceux qui l'ont eu à un moment de l'intervalle, et pendant quelles périodes.",
        permission_classes=[MayAudit],
    )
    async def who_can_access(
        self,
        info: Info,
        tenant_id: strawberry.ID,
        action: Action = Action.READ,
        as_of: AsOf = None,
        at: At = None,
        between: Between = None,
    ) -> list[AccessExplanation]:
        when, act, tenant = one_moment(as_of, at, between), Act(action.value), decode_id(tenant_id)
        if isinstance(when, intervals.Interval):
            over = await intervals.who_could_access(info.context, tenant, act, when)
            answers = [_with_periods(a) for a in over]
        else:
            found = await resolve.who_can_access(info.context, tenant, act, when)
            answers = [_now_or_then(a) for a in found]
        await _asked(info, "whoCanAccess", tenant, action, when)
        return answers

    @strawberry.field(
        description="Ce qu'un utilisateur peut voir : nombre de locataires par type et zone ; avec "
        "`between`, chaque locataire visible à un moment de l'intervalle, compté une fois.",
        permission_classes=[MayAudit],
    )
    async def user_access(
        self,
        info: Info,
        user_id: strawberry.ID,
        action: Action = Action.READ,
        as_of: AsOf = None,
        at: At = None,
        between: Between = None,
    ) -> UserAccess:
        when, act, user = one_moment(as_of, at, between), Act(action.value), decode_id(user_id)
        if isinstance(when, intervals.Interval):
            r = await intervals.user_access_over(info.context, user, act, when)
        else:
            r = await resolve.user_access(info.context, user, act, when)
        await reads.user_access_read(info.context, r.user.id, action.value, reads.moment_of(when))
        counts = [
            AccessCount(housing_type=HousingType(c.housing_type), zone=c.zone, count=c.count)
            for c in r.by_housing
        ]
        return UserAccess(
            user=AuditedUser.from_row(r.user), as_of=r.day, total=r.total, by_housing=counts
        )

    @strawberry.field(
        description="Le journal d'audit, du plus ancien au plus récent. Chaque requête qui le "
        "lit est elle-même journalisée (audit_events_read : un événement par requête et par jeu "
        "de filtres, quels que soient la taille de page et le curseur).",
        permission_classes=[MayAudit],
    )
    async def audit_events(
        self,
        info: Info,
        first: int = 50,
        after: str | None = None,
        filter: AuditEventFilter | None = None,  # noqa: A002
    ) -> Connection[AuditEvent]:
        check_page_size(first, info.context.settings.max_page_size)
        f = (filter or AuditEventFilter()).to_filter()
        page = await audit_trail.list_events(first, decode_cursor(after) if after else None, f)
        await reads.audit_events_read(info.context, f)
        return connection_of(page, [AuditEvent.from_row(r) for r in page.rows])

    @strawberry.field(
        description="Recalcule les empreintes du journal et signale le premier maillon rompu : "
        "depuis le dernier point de contrôle signé (ce qui a été ajouté depuis), ou tout le "
        "journal avec full: true (une seule à la fois : pendant qu'elle tourne, les autres "
        "reçoivent RATE_LIMITED). `head` est la tête du journal à conserver hors de la base, "
        "à redonner en `anchor`.",
        permission_classes=[MayAudit],
    )
    async def verify_audit_chain(
        self,
        info: Info,
        full: Annotated[
            bool,
            strawberry.argument(
                description="Tout vérifier depuis le premier événement, points de contrôle "
                "compris (sinon : depuis le dernier point de contrôle)."
            ),
        ] = False,
        anchor: Annotated[
            AuditAnchorInput | None,
            strawberry.argument(
                description="Une tête relevée plus tôt (head) : la vérification échoue si le "
                "journal ne la contient plus telle quelle, seul moyen de déceler la suppression "
                "des derniers événements, que rien d'autre dans la base ne signale."
            ),
        ] = None,
    ) -> AuditChainReport:
        return AuditChainReport.build(await audit_trail.verify_chain(
            full, anchor.to_anchor() if anchor else None,
            info.context.settings.audit_verify_parallel_from))

    @strawberry.field(
        description="Simulation, sans rien changer, d'un changement de groupes ou de zones : "
        "qui gagne ou perd l'accès à combien de locataires. La consultation est journalisée "
        "(habilitation_change_simulated, avec le changement simulé).",
        permission_classes=[MayAudit],
    )
    async def simulate_habilitation_change(
        self,
        info: Info,
        input: SimulateHabilitationChangeInput,  # noqa: A002
    ) -> list[SimulatedAccessChange]:
        user_id = None if input.user_id is None else decode_id(input.user_id)
        group_ids = _ids(input.group_ids)
        group_id = None if input.group_id is None else decode_id(input.group_id)
        housing_type = None if input.housing_type is None else input.housing_type.value
        changes = await simulate.simulate_change(
            info.context,
            Act(input.action.value),
            user_id=user_id,
            group_ids=group_ids,
            group_id=group_id,
            zones=input.zones,
            housing_type=housing_type,
        )
        organisation_id = await simulate.organisation_of_change(user_id, group_ids, group_id)
        asked = {"action": input.action.value, "userId": user_id, "groupIds": group_ids,
                 "groupId": group_id, "zones": input.zones, "housingType": housing_type}
        await reads.simulation_read(info.context, organisation_id, asked)
        return [
            SimulatedAccessChange(
                user=AuditedUser.from_row(c.user),
                before=c.before,
                after=c.after,
                gained=c.gained,
                lost=c.lost,
            )
            for c in changes
        ]
