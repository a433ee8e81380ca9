"""Types of the auditor's view: explanations, access counts, policies, events, simulations."""

from __future__ import annotations

from datetime import date, datetime

import strawberry
from strawberry.scalars import JSON

from models import AuditEvent as EventRow
from models import User as UserRow
from resolvers.audit import trail as audit_trail
from resolvers.audit.explain import Explanation, Refusal
from resolvers.audit.policy_report import PolicyReport
from schema.audit.instants import AccessPeriod
from schema.common import (
    Action,
    HousingType,
    decode_id,
)
from schema.read_rules import AUDITOR, readable_by

RefusalReason = Refusal  # marked as a GraphQL enum in place, under the contract's name
strawberry.enum(
    RefusalReason, name="RefusalReason", description="Raison la plus proche d'un refus d'accès."
)


@readable_by(AUDITOR)
@strawberry.type(description="Un compte, tel que l'auditeur le voit.")
class AuditedUser:
    id: strawberry.ID = strawberry.field(description="Identifiant opaque.")
    identifier: str = strawberry.field(description="Identifiant de connexion.")
    last_name: str = strawberry.field(description="Nom.")
    first_name: str = strawberry.field(description="Prénom.")
    status: str = strawberry.field(description="État du compte : pending, active ou closed.")
    organisation_id: strawberry.ID | None = strawberry.field(
        description="Organisation du compte (aucune pour un compte de la Caf)."
    )

    @classmethod
    def from_row(cls, row: UserRow) -> AuditedUser:
        return cls(
            id=strawberry.ID(str(row.id)),
            identifier=row.identifier,
            last_name=row.last_name,
            first_name=row.first_name,
            status=row.status.value,
            organisation_id=None
            if row.organisation_id is None
            else strawberry.ID(str(row.organisation_id)),
        )


@readable_by(AUDITOR)
@strawberry.type(description="Une étape du chemin qui accorde l'accès.")
class AccessStep:
    kind: str = strawberry.field(description="organisation, role, group ou rule.")
    label: str = strawberry.field(description="L'étape en termes métier.")
    id: strawberry.ID | None = strawberry.field(description="Organisation ou groupe concerné.")
    casbin: str | None = strawberry.field(description="La ligne Casbin correspondante.")


@readable_by(AUDITOR)
@strawberry.type(description="Pourquoi un utilisateur peut, ou ne peut pas, agir sur un locataire.")
class AccessExplanation:
    user: AuditedUser = strawberry.field(description="L'utilisateur.")
    allowed: bool = strawberry.field(description="L'accès est-il accordé ?")
    message: str = strawberry.field(description="L'explication en une phrase.")
    path: list[AccessStep] = strawberry.field(
        description="Organisation → rôle ou groupe → règle (vide en cas de refus)."
    )
    reason: RefusalReason | None = strawberry.field(description="Raison du refus, le cas échéant.")
    nearest_rule: str | None = strawberry.field(
        description="La règle Casbin qui manque l'objet d'un seul critère, s'il y en a une."
    )
    other_grants: int = strawberry.field(description="Autres règles qui accordent aussi l'accès.")
    casbin_request: list[str] = strawberry.field(
        description="La requête posée au modèle Casbin (sub, dom, type, zone, action)."
    )
    periods: list[AccessPeriod] | None = strawberry.field(
        default=None,
        description="Avec `between` : les périodes de l'intervalle pendant lesquelles l'accès "
        "était ouvert (l'explication est celle du premier instant d'accès).",
    )
    tenant_left_at: datetime | None = strawberry.field(
        default=None,
        description="Départ du locataire, s'il avait quitté son logement à l'instant demandé "
        "(avec `between` : à un moment de l'intervalle) : la date d'effet du départ déclaré, "
        "prise au DÉBUT de ce jour à Paris (Europe/Paris) ; vide s'il y habitait. Le bailleur "
        "garde le dossier du locataire parti (déclaration de loyer de l'année, reçus) : l'accès "
        "ne s'arrête pas au départ, comme pour les requêtes.",
    )

    @classmethod
    def build(
        cls, user: UserRow, e: Explanation, tenant_left_at: datetime | None = None
    ) -> AccessExplanation:
        path = [
            AccessStep(
                kind=s.kind,
                label=s.label,
                casbin=s.casbin,
                id=None if s.id is None else strawberry.ID(str(s.id)),
            )
            for s in e.path
        ]
        return cls(
            user=AuditedUser.from_row(user),
            allowed=e.allowed,
            message=e.message,
            path=path,
            reason=e.refusal,
            nearest_rule=e.nearest_rule,
            other_grants=e.other_grants,
            casbin_request=e.request,
            tenant_left_at=tenant_left_at,
        )


@readable_by(AUDITOR)
@strawberry.type(description="Nombre de locataires visibles pour un type de logement et une zone.")
class AccessCount:
    housing_type: HousingType = strawberry.field(description="Type de logement.")
    zone: str = strawberry.field(description="Département.")
    count: int = strawberry.field(description="Locataires visibles.")


@readable_by(AUDITOR)
@strawberry.type(description="Ce qu'un utilisateur peut voir, à une date.")
class UserAccess:
    user: AuditedUser = strawberry.field(description="L'utilisateur.")
    as_of: date = strawberry.field(description="Date de l'état des habilitations.")
    total: int = strawberry.field(description="Locataires accessibles.")
    by_housing: list[AccessCount] = strawberry.field(description="Détail par type et zone.")


@readable_by(AUDITOR)
@strawberry.type(description="Une règle en vigueur : un rôle ou un groupe, et ce qu'il permet.")
class PolicyRule:
    subject_kind: str = strawberry.field(
        description="role, group, ou user (le périmètre de délégation d'un responsable)."
    )
    subject: str = strawberry.field(description="Nom du rôle ou du groupe, ou « u:<id> ».")
    group_id: strawberry.ID | None = strawberry.field(description="Le groupe, le cas échéant.")
    housing_type: HousingType | None = strawberry.field(
        description="Type de logement (vide : tous)."
    )
    zone: str | None = strawberry.field(description="Département (vide : tous).")
    action: str = strawberry.field(description="Action permise (« * » : toutes).")
    casbin: str = strawberry.field(description="La ligne Casbin « p ».")


@readable_by(AUDITOR)
@strawberry.type(description="Un utilisateur membre d'un rôle ou d'un groupe.")
class PolicyMembership:
    user: AuditedUser = strawberry.field(description="Le membre.")
    subject_kind: str = strawberry.field(description="role ou group.")
    subject: str = strawberry.field(description="Nom du rôle ou du groupe.")
    group_id: strawberry.ID | None = strawberry.field(description="Le groupe, le cas échéant.")
    casbin: str = strawberry.field(description="La ligne Casbin « g ».")


@readable_by(AUDITOR)
@strawberry.type(description="Toutes les habilitations en vigueur dans une organisation.")
class OrganisationPolicies:
    organisation_id: strawberry.ID = strawberry.field(description="L'organisation.")
    organisation_name: str = strawberry.field(description="Sa raison sociale.")
    rules: list[PolicyRule] = strawberry.field(description="Règles des rôles et des groupes.")
    memberships: list[PolicyMembership] = strawberry.field(description="Appartenances.")
    casbin_lines: list[str] = strawberry.field(description="Les mêmes, en lignes Casbin.")
    model: str = strawberry.field(description="Le fichier de modèle Casbin appliqué.")

    @classmethod
    def build(cls, r: PolicyReport) -> OrganisationPolicies:
        def gid(value: int | None) -> strawberry.ID | None:
            return None if value is None else strawberry.ID(str(value))

        return cls(
            organisation_id=strawberry.ID(str(r.organisation.id)),
            organisation_name=r.organisation.name,
            rules=[
                PolicyRule(
                    subject_kind=x.subject_kind,
                    subject=x.subject,
                    group_id=gid(x.group_id),
                    housing_type=HousingType(x.housing_type) if x.housing_type else None,
                    zone=x.zone,
                    action=x.action,
                    casbin=x.casbin,
                )
                for x in r.rules
            ],
            memberships=[
                PolicyMembership(
                    user=AuditedUser.from_row(m.user),
                    subject_kind=m.subject_kind,
                    subject=m.subject,
                    group_id=gid(m.group_id),
                    casbin=m.casbin,
                )
                for m in r.memberships
            ],
            casbin_lines=r.casbin_lines,
            model=r.model,
        )


@readable_by(AUDITOR)
@strawberry.type(description="Un événement du journal d'audit (jamais modifié ni supprimé).")
class AuditEvent:
    id: strawberry.ID = strawberry.field(description="Identifiant, croissant dans le temps.")
    at: datetime = strawberry.field(description="Horodatage.")
    actor_id: strawberry.ID | None = strawberry.field(description="Auteur (vide : système).")
    actor: AuditedUser | None = strawberry.field(description="Le compte auteur, s'il y en a un.")
    actor_label: str = strawberry.field(description="Auteur tel qu'enregistré.")
    organisation_id: strawberry.ID | None = strawberry.field(description="Organisation concernée.")
    action: str = strawberry.field(description="Action (user_created, user_groups_set…).")
    target_type: str = strawberry.field(description="Type de l'objet visé.")
    target_id: str | None = strawberry.field(description="Objet visé.")
    before: JSON | None = strawberry.field(description="État avant.")
    after: JSON | None = strawberry.field(description="État après.")
    delegation: JSON | None = strawberry.field(description="Chaîne de délégation de l'auteur.")
    prev_digest: str = strawberry.field(description="Empreinte de l'événement précédent.")
    digest: str = strawberry.field(description="Empreinte SHA-256 de cet événement.")

    @classmethod
    def from_row(cls, e: EventRow) -> AuditEvent:
        def opt(value) -> strawberry.ID | None:
            return None if value is None else strawberry.ID(str(value))

        return cls(
            id=strawberry.ID(str(e.id)),
            at=e.at,
            actor_id=opt(e.actor_id),
            actor=AuditedUser.from_row(e.actor) if e.actor is not None else None,
            actor_label=e.actor_label,
            organisation_id=opt(e.organisation_id),
            action=e.action,
            target_type=e.target_type,
            target_id=e.target_id,
            before=e.before,
            after=e.after,
            delegation=e.delegation,
            prev_digest=e.prev_digest,
            digest=e.digest,
        )


def _opt_id(value: int | None) -> strawberry.ID | None:
    return None if value is None else strawberry.ID(str(value))


@readable_by(AUDITOR)
@strawberry.type(
    description="Tête du journal : à conserver hors de la base (ancre) et à redonner à "
    "verifyAuditChain(anchor:) pour déceler la suppression des derniers événements."
)
class AuditTrailHead:
    last_event_id: strawberry.ID = strawberry.field(description="Dernier événement.")
    events: int = strawberry.field(description="Événements du journal jusqu'à lui compris.")
    digest: str = strawberry.field(description="Son empreinte.")
    checkpoint_id: strawberry.ID | None = strawberry.field(
        description="Dernier point de contrôle signé."
    )
    checkpoint_digest: str | None = strawberry.field(description="Sa signature (HMAC).")

    @classmethod
    def build(cls, h: audit_trail.Head) -> AuditTrailHead:
        return cls(last_event_id=strawberry.ID(str(h.last_event_id)), events=h.events,
                   digest=h.digest, checkpoint_id=_opt_id(h.checkpoint_id),
                   checkpoint_digest=h.checkpoint_digest)


@readable_by(AUDITOR)
@strawberry.type(description="Ce qui ne correspond plus à l'ancre donnée.")
class AuditAnchorProblem:
    code: str = strawberry.field(
        description="AUDIT_ANCHOR_NOT_FOUND (événement absent ou réécrit) ou "
        "AUDIT_ANCHOR_COUNT_MISMATCH (nombre d'événements jusqu'à lui différent)."
    )
    message: str = strawberry.field(description="Explication.")


@strawberry.input(description="Une tête du journal relevée plus tôt (AuditTrailHead).")
class AuditAnchorInput:
    last_event_id: strawberry.ID = strawberry.field(description="Dernier événement relevé.")
    events: int = strawberry.field(description="Événements jusqu'à lui compris.")
    digest: str = strawberry.field(description="Son empreinte.")

    def to_anchor(self) -> audit_trail.Anchor:
        return audit_trail.Anchor(decode_id(self.last_event_id, "anchor.lastEventId"),
                                  self.events, self.digest)


@readable_by(AUDITOR)
@strawberry.type(description="Résultat de la vérification de la chaîne d'empreintes.")
class AuditChainReport:
    ok: bool = strawberry.field(description="La chaîne est-elle intacte ?")
    checked: int = strawberry.field(description="Événements vérifiés.")
    first_broken_id: strawberry.ID | None = strawberry.field(description="Premier maillon rompu.")
    checkpoints: int = strawberry.field(
        description="Points de contrôle vérifiés (signature, lien au précédent, bloc couvert)."
    )
    first_broken_checkpoint_id: strawberry.ID | None = strawberry.field(
        description="Premier point de contrôle qui ne correspond plus au journal."
    )
    full: bool = strawberry.field(description="Vérification complète depuis le début du journal ?")
    trusted_checkpoint_id: strawberry.ID | None = strawberry.field(
        description="Point de contrôle de départ d'une vérification incrémentale (vide : début)."
    )
    head: AuditTrailHead | None = strawberry.field(
        default=None,
        description="Tête du journal vérifié (vide si la chaîne est rompue ou le journal vide).",
    )
    anchor_problem: AuditAnchorProblem | None = strawberry.field(
        default=None, description="L'ancre donnée ne correspond plus au journal (ok vaut alors "
        "false) : des événements ont été supprimés ou réécrits."
    )

    @classmethod
    def build(cls, r: audit_trail.ChainReport) -> AuditChainReport:
        problem = r.anchor_problem
        return cls(
            ok=r.ok, checked=r.checked, first_broken_id=_opt_id(r.first_broken_id),
            checkpoints=r.checkpoints,
            first_broken_checkpoint_id=_opt_id(r.first_broken_checkpoint_id),
            full=r.full, trusted_checkpoint_id=_opt_id(r.trusted_checkpoint_id),
            head=AuditTrailHead.build(r.head) if r.head else None,
            anchor_problem=AuditAnchorProblem(code=problem.code, message=problem.message)
            if problem else None,
        )


@readable_by(AUDITOR)
@strawberry.type(description="Effet simulé d'un changement sur un utilisateur.")
class SimulatedAccessChange:
    user: AuditedUser = strawberry.field(description="L'utilisateur touché.")
    before: int = strawberry.field(description="Locataires accessibles aujourd'hui.")
    after: int = strawberry.field(description="Locataires accessibles après le changement.")
    gained: int = strawberry.field(description="Locataires gagnés.")
    lost: int = strawberry.field(description="Locataires perdus.")


@strawberry.input(description="Filtre du journal d'audit (tous les critères se cumulent).")
class AuditEventFilter:
    organisation_id: strawberry.ID | None = strawberry.field(
        default=None, description="Organisation."
    )
    actor_id: strawberry.ID | None = strawberry.field(default=None, description="Auteur.")
    target_type: str | None = strawberry.field(default=None, description="Type d'objet visé.")
    target_id: str | None = strawberry.field(default=None, description="Objet visé.")
    action: str | None = strawberry.field(default=None, description="Action.")
    from_: date | None = strawberry.field(
        default=None, name="from", description="Depuis ce jour (inclus)."
    )
    to: date | None = strawberry.field(default=None, description="Jusqu'à ce jour (inclus).")

    def to_filter(self) -> audit_trail.EventFilter:
        def num(value: strawberry.ID | None) -> int | None:
            return None if value is None else decode_id(value)

        return audit_trail.EventFilter(
            organisation_id=num(self.organisation_id),
            actor_id=num(self.actor_id),
            target_type=self.target_type,
            target_id=self.target_id,
            action=self.action,
            since=self.from_,
            until=self.to,
        )


@strawberry.input(
    description="Changement à simuler : les groupes d'un utilisateur, ou les zones d'un groupe."
)
class SimulateHabilitationChangeInput:
    user_id: strawberry.ID | None = strawberry.field(default=None, description="Utilisateur.")
    group_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Ses nouveaux groupes (remplacent les actuels)."
    )
    group_id: strawberry.ID | None = strawberry.field(default=None, description="Groupe.")
    zones: list[str] | None = strawberry.field(default=None, description="Ses nouvelles zones.")
    housing_type: HousingType | None = strawberry.field(
        default=None, description="Son nouveau type de logement (avec `groupId`)."
    )
    action: Action = strawberry.field(default=Action.READ, description="Action considérée.")
