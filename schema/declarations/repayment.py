"""The unpaid-rent follow-up: the repayment plan (plan d'apurement), its state and deadline."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from resolvers.declarations import repayment as resolve
from resolvers.declarations.repayment import PlanState
from resolvers.shared.context import Context
from schema.common import decode_id
from schema.declarations.tenant_nodes import tenant_node
from schema.declarations.tenants import Tenant
from schema.info import Info
from schema.permissions import Authenticated
from schema.read_rules import OF_TENANT, PART_OF_PARENT, readable_by

RepaymentPlanState = PlanState  # marked as a GraphQL enum in place, like ChangeKind
strawberry.enum(
    RepaymentPlanState,
    name="RepaymentPlanState",
    description=(
        "SANS_OBJET : impayé non constitué, aucun plan demandé ; PLAN_ATTENDU : le bailleur doit "
        "transmettre le plan avant la date limite ; PLAN_RECU : plan transmis ; PROPOSE_PAR_CAF : "
        "dette de 100 € ou moins (par défaut), la Caf propose le plan elle-même ; DELAI_DEPASSE : "
        "date limite passée sans plan."
    ),
)
LABELS = {
    PlanState.SANS_OBJET: "Sans objet",
    PlanState.PLAN_ATTENDU: "Plan attendu",
    PlanState.PLAN_RECU: "Plan reçu",
    PlanState.PROPOSE_PAR_CAF: "Plan proposé par la Caf",
    PlanState.DELAI_DEPASSE: "Délai dépassé",
}
# What the submitting mutation adds to its permission class: a condition on the report's tenant.
DECLARABLE_REPORT = (
    "Seulement pour un impayé dont l'appelant peut déclarer pour le locataire (sinon NOT_FOUND)."
)


@readable_by(PART_OF_PARENT)
@strawberry.type(description="Un plan d'apurement transmis par le bailleur.")
class RepaymentPlan:
    id: strawberry.ID = strawberry.field(description="Identifiant opaque du plan.")
    debt_cents: int = strawberry.field(
        description="La dette que le plan rembourse (montant dû du signalement), en centimes."
    )
    monthly_amount_cents: int = strawberry.field(description="Mensualité, en centimes.")
    first_month: date = strawberry.field(description="Premier mois (premier jour du mois).")
    duration_months: int = strawberry.field(description="Durée du plan, en mois.")
    last_month: date = strawberry.field(description="Dernier mois (premier jour du mois).")
    last_instalment_cents: int = strawberry.field(
        description="Dernière mensualité, en centimes (le reste de la dette, au plus la "
        "mensualité)."
    )
    submitted_at: datetime = strawberry.field(description="Date et heure de la transmission.")
    receipt_url: str = strawberry.field(
        description="L'accusé de réception PDF, rendu à la transmission et servi tel quel."
    )

    @strawberry.field(description="Référence imprimée sur l'accusé de réception du plan.")
    async def reference(self, info: Info) -> str | None:
        return await info.context.loader(resolve.PlanReferenceLoader).load(int(self.id))

    @classmethod
    def from_row(cls, row) -> RepaymentPlan:  # noqa: ANN001 - models.RepaymentPlan
        return cls(
            id=strawberry.ID(str(row.id)), debt_cents=row.debt_cents,
            monthly_amount_cents=row.monthly_amount_cents, first_month=row.first_month,
            duration_months=row.duration_months, last_month=resolve.last_month(row),
            last_instalment_cents=resolve.last_instalment(row), submitted_at=row.created_at,
            receipt_url=f"/receipts/plans/{row.id}.pdf",
        )


@readable_by(PART_OF_PARENT)
@strawberry.type(description="Un rappel envoyé par courriel avant la date limite du plan.")
class RepaymentReminder:
    days_before: int = strawberry.field(
        description="Nombre de jours avant la date limite auquel ce rappel correspond (30, 7…)."
    )
    deadline: date = strawberry.field(description="La date limite rappelée.")
    queued_at: datetime = strawberry.field(description="Mis en file d'envoi le.")


@readable_by(OF_TENANT)
@strawberry.type(
    description="Le suivi d'un impayé signalé : le plan d'apurement demandé par la Caf, son "
    "état et sa date limite (6 mois après le signalement par défaut ; 1 mois pour la "
    "proposition de la Caf quand la dette est de 100 € ou moins)."
)
class RepaymentFollowUp:
    id: strawberry.ID = strawberry.field(description="Identifiant du signalement d'impayé suivi.")
    tenant: Tenant = strawberry.field(description="Le locataire concerné.")
    state: RepaymentPlanState = strawberry.field(description="Où en est le plan d'apurement.")
    state_label: str = strawberry.field(description="L'état, en français (« Plan attendu »…).")
    reported_on: date = strawberry.field(description="Date du signalement d'impayé.")
    debt_cents: int = strawberry.field(description="Montant dû signalé, en centimes.")
    deadline: date | None = strawberry.field(
        description="Date limite (incluse) : du plan du bailleur, ou de la proposition de la Caf "
        "quand elle propose le plan ; nulle si aucun plan n'est demandé."
    )
    days_left: int | None = strawberry.field(
        description="Jours restants avant la date limite, tant que le plan est attendu."
    )
    agency_proposes: bool = strawberry.field(
        description="Vrai si la dette ne dépasse pas le seuil (100 € par défaut) : la Caf "
        "propose le plan elle-même et le bailleur n'en transmet pas."
    )
    message: str = strawberry.field(description="Ce que le bailleur doit savoir, en français.")
    plan: RepaymentPlan | None = strawberry.field(
        description="Le plan transmis par le bailleur, s'il l'a été."
    )

    @strawberry.field(description="Les rappels envoyés avant la date limite, du plus ancien.")
    async def reminders(self, info: Info) -> list[RepaymentReminder]:
        rows = await resolve.reminders_of(info.context, int(self.id))
        return [RepaymentReminder(days_before=r.days_before, deadline=r.deadline,
                                  queued_at=r.created_at) for r in rows]


def follow_up_node(ctx: Context, f: resolve.FollowUp, tenant: Tenant) -> RepaymentFollowUp:
    return RepaymentFollowUp(
        id=strawberry.ID(str(f.report.id)), tenant=tenant, state=f.state,
        state_label=LABELS[f.state], reported_on=resolve.reported_on(f.report),
        debt_cents=f.report.amount_owed_cents, deadline=f.deadline, days_left=f.days_left,
        agency_proposes=f.agency_proposes, message=resolve.explain(f, ctx.settings),
        plan=RepaymentPlan.from_row(f.plan) if f.plan else None,
    )


async def report_follow_up(info: Info, report_id: strawberry.ID, tenant: Tenant
                           ) -> RepaymentFollowUp:
    """The follow-up of a report already returned to the caller (UnpaidRentReport.repayment)."""
    f = await resolve.load_follow_up(info.context, int(report_id))
    return follow_up_node(info.context, f, tenant)


@strawberry.input(description="Le plan d'apurement convenu avec le locataire.")
class SubmitRepaymentPlanInput:
    report_id: strawberry.ID = strawberry.field(description="Le signalement d'impayé concerné.")
    monthly_amount_cents: int = strawberry.field(
        description="Mensualité, en centimes : supérieure à 0 et au plus la dette."
    )
    first_month: date = strawberry.field(
        description="Premier mois de remboursement (le jour est ignoré) : au plus tôt le mois du "
        "signalement, au plus tard celui de la date limite."
    )
    duration_months: int = strawberry.field(
        description="Durée en mois (36 au plus par défaut) : mensualité × durée couvre la dette, "
        "et la dernière mensualité est nécessaire (pas de mois en trop)."
    )


@strawberry.type
class RepaymentQuery:
    @strawberry.field(
        description="Le suivi du plan d'apurement d'un impayé signalé ; NOT_FOUND s'il n'existe "
        "pas ou si son locataire est hors habilitation de lecture.",
        permission_classes=[Authenticated],
    )
    async def repayment_follow_up(self, info: Info, report_id: strawberry.ID
                                  ) -> RepaymentFollowUp:
        ctx = info.context
        f = await resolve.get_follow_up(ctx, decode_id(report_id))
        return follow_up_node(ctx, f, await tenant_node(ctx, f.report.tenant))


@strawberry.type
class RepaymentMutation:
    @strawberry.mutation(
        description="Transmet le plan d'apurement d'un impayé (mensualité, premier mois, durée), "
        "vérifié contre la dette ; CONFLICT si aucun plan n'est attendu (déjà transmis, délai "
        "dépassé, impayé non constitué, dette proposée par la Caf). " + DECLARABLE_REPORT,
        permission_classes=[Authenticated],
    )
    async def submit_repayment_plan(
        self, info: Info, input: SubmitRepaymentPlanInput  # noqa: A002
    ) -> RepaymentFollowUp:
        ctx = info.context
        f, _ = await resolve.submit_repayment_plan(ctx, resolve.PlanRequest(
            report_id=decode_id(input.report_id),
            monthly_amount_cents=input.monthly_amount_cents,
            first_month=input.first_month, duration_months=input.duration_months,
        ))
        return follow_up_node(ctx, f, await tenant_node(ctx, f.report.tenant))
