"""Why a user may or may not act on one tenant: the deciding path, or the nearest refusal.

The verdict is Casbin's `enforce` on the same lines requests are checked against, after the same
account checks sessions make (`user_may_work`, first login); the path is then read from the lines
so that it can never tell a different story from the verdict.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from policies.vocabulary import ANY, parse_id, user_subject
from resolvers.audit.policy_view import AccountState, PolicyView

ROLE_LABELS = {
    "administrateur": "Administrateur",
    "responsable_habilitation": "Responsable d'habilitation",
}


class Refusal(StrEnum):
    ACCOUNT_UNKNOWN = "account_unknown"
    ACCOUNT_CLOSED = "account_closed"
    ACCOUNT_SUSPENDED = "account_suspended"
    OUTSIDE_DATES = "outside_dates"
    PENDING_FIRST_LOGIN = "pending_first_login"
    OTHER_ORGANISATION = "other_organisation"
    NO_GROUP = "no_group"
    ACTION_NOT_GRANTED = "action_not_granted"
    WRONG_HOUSING_TYPE = "wrong_housing_type"
    WRONG_ZONE = "wrong_zone"
    NO_MATCHING_RULE = "no_matching_rule"
    TENANT_ABSENT = "tenant_absent"


MESSAGES = {
    Refusal.ACCOUNT_UNKNOWN: "Le compte n'existait pas à cette date.",
    Refusal.ACCOUNT_CLOSED: "Le compte est clôturé.",
    Refusal.ACCOUNT_SUSPENDED: "Le compte est suspendu par la Caf.",
    Refusal.OUTSIDE_DATES: "La date est hors de la période d'ouverture du compte.",
    Refusal.PENDING_FIRST_LOGIN: "La première connexion n'est pas terminée.",
    Refusal.OTHER_ORGANISATION: "Le locataire relève d'une autre organisation.",
    Refusal.NO_GROUP: "L'utilisateur n'appartient à aucun groupe d'habilitation donnant ce droit.",
    Refusal.ACTION_NOT_GRANTED: "Aucun rôle ni groupe de l'utilisateur ne donne cette action.",
    Refusal.WRONG_HOUSING_TYPE: "Les groupes couvrent cette zone, mais pas ce type de logement.",
    Refusal.WRONG_ZONE: "Les groupes couvrent ce type de logement, mais pas ce département.",
    Refusal.NO_MATCHING_RULE: "Aucun groupe ne couvre ni ce type de logement ni ce département.",
    Refusal.TENANT_ABSENT: "Le locataire n'était pas (encore ou plus) connu de l'organisation à "
    "cet instant.",
}


@dataclass(frozen=True)
class Step:
    kind: str  # organisation | role | group | rule
    label: str
    id: int | None = None
    casbin: str | None = None


@dataclass(frozen=True)
class Target:
    organisation_id: int
    housing_type: str
    zone: str


@dataclass
class Explanation:
    allowed: bool
    request: list[str]
    path: list[Step] = field(default_factory=list)
    refusal: Refusal | None = None
    nearest_rule: str | None = None
    other_grants: int = 0

    @property
    def message(self) -> str:
        if self.refusal is not None:
            return MESSAGES[self.refusal]
        via = " → ".join(step.label for step in self.path)
        return f"Accès accordé : {via}."


def account_refusal(account: AccountState | None, view: PolicyView) -> Refusal | None:
    """The checks `resolve_session` and `login` make before any rule is looked at."""
    if account is None:
        return Refusal.ACCOUNT_UNKNOWN
    if account.status == "closed":
        return Refusal.ACCOUNT_CLOSED
    if account.suspended:
        return Refusal.ACCOUNT_SUSPENDED
    if (account.opening_date and view.day < account.opening_date) or (
        account.closing_date and view.day > account.closing_date
    ):
        return Refusal.OUTSIDE_DATES
    if account.pending_first_login:
        return Refusal.PENDING_FIRST_LOGIN
    return None


def _matches(rule: list[str], target: Target, act: str) -> tuple[bool, bool, bool]:
    _sub, _dom, htype, zone, rule_act = rule[:5]
    return (
        htype in (ANY, target.housing_type),
        zone in (ANY, target.zone),
        rule_act in (ANY, act),
    )


def casbin_line(ptype: str, values: list[str]) -> str:
    return ", ".join([ptype, *values])


def _subject_step(view: PolicyView, subject: str) -> Step:
    if subject.startswith("grp:"):
        gid = parse_id(subject)
        group = view.groups.get(gid)
        return Step("group", f"Groupe « {group.name if group else subject} »", gid)
    return Step("role", f"Rôle « {ROLE_LABELS.get(subject, subject)} »")


HOUSING_LABELS = {"conventionne": "logements conventionnés", "prive": "logements privés"}
ACTION_LABELS = {
    "read": "consulter",
    "declare": "déclarer",
    "manage": "gérer les utilisateurs",
    "delegate": "nommer les responsables",
    "grant": "attribuer ces habilitations (périmètre d'un responsable)",
}


def _rule_label(rule: list[str]) -> str:
    htype = "tout type de logement" if rule[2] == ANY else HOUSING_LABELS.get(rule[2], rule[2])
    zone = "toute zone" if rule[3] == ANY else f"département {rule[3]}"
    act = "toute action" if rule[4] == ANY else ACTION_LABELS.get(rule[4], rule[4])
    return f"Règle : {htype}, {zone}, {act}"


def _nearest(
    view: PolicyView, subjects: list[str], target: Target, act: str
) -> tuple[Refusal, str | None]:
    rules = [r for s in subjects for r in view.rules_of(s)]
    groups = [s for s in subjects if s.startswith("grp:")]
    for_act = [r for r in rules if _matches(r, target, act)[2]]
    if not for_act:
        return (Refusal.NO_GROUP if not groups else Refusal.ACTION_NOT_GRANTED), None
    by_zone = [r for r in for_act if _matches(r, target, act)[1]]
    if by_zone:
        return Refusal.WRONG_HOUSING_TYPE, casbin_line("p", by_zone[0])
    by_type = [r for r in for_act if _matches(r, target, act)[0]]
    if by_type:
        return Refusal.WRONG_ZONE, casbin_line("p", by_type[0])
    return Refusal.NO_MATCHING_RULE, casbin_line("p", for_act[0])


def explain_decision(
    view: PolicyView, user_id: int, user_org: int | None, target: Target, act: str
) -> Explanation:
    sub = user_subject(user_id)
    request = [sub, view.domain, target.housing_type, target.zone, act]
    result = Explanation(allowed=False, request=request)
    if user_org != target.organisation_id:
        result.refusal = Refusal.OTHER_ORGANISATION
        return result
    refusal = account_refusal(view.accounts.get(user_id), view)
    if refusal is not None:
        result.refusal = refusal
        return result
    subjects = view.memberships(user_id)
    deciding = [(s, r) for s in subjects for r in view.rules_of(s) if all(_matches(r, target, act))]
    allowed = view.enforcer.enforce(*request)
    if allowed and deciding:
        subject, rule = deciding[0]
        result.allowed = True
        result.other_grants = len(deciding) - 1
        result.path = [
            Step(
                "organisation",
                f"Organisation « {view.organisation_name} »",
                view.organisation_id,
                view.domain,
            ),
            _with_line(_subject_step(view, subject), casbin_line("g", [sub, subject, view.domain])),
            Step("rule", _rule_label(rule), casbin=casbin_line("p", rule)),
        ]
        return result
    if allowed:  # Casbin says yes for a reason this reading does not see: trust Casbin.
        result.allowed = True
        result.path = [Step("rule", "Règle Casbin (chemin non déterminé)")]
        return result
    result.refusal, result.nearest_rule = _nearest(view, subjects, target, act)
    return result


USER_PREFIX = user_subject(0).removesuffix("0")


def granting_subjects(view: PolicyView, target: Target, act: str) -> set[str]:
    """Roles, groups and users having a rule that covers this target and action: only their
    members can be allowed (`who_can_access` explains those, not every account)."""
    if view.organisation_id != target.organisation_id:
        return set()
    rules = view.enforcer.get_filtered_policy(1, view.domain)
    return {r[0] for r in rules if all(_matches(r, target, act))}


def possibly_allowed(view: PolicyView, target: Target, act: str) -> set[int]:
    """The accounts holding a granting subject, or granted directly."""
    found: set[int] = set()
    for subject in granting_subjects(view, target, act):
        if subject.startswith(USER_PREFIX):
            found.add(parse_id(subject))
        else:
            found.update(view.members_of(subject))
    return found


def _with_line(step: Step, line: str) -> Step:
    return Step(step.kind, step.label, step.id, line)
