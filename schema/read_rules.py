"""Who may read each object type: a rule checked once per object per request, when graphql-core
completes the object, and stated at the end of the type's description ("Lisible par : …").

Root fields scope what they load; these rules are the second lock, so that a root that forgets to
scope (a new one, a test one) still returns nothing the caller may not read. graphql-core asks an
object type's `is_type_of` before it completes each object of that type; `readable_by` installs
the type's rule there, and a refusal raises FORBIDDEN at that object's path (the object is nulled,
or its nearest nullable parent). The rules read only the rights the request's guard already
compiled, fetched once before execution (`ReadRulesExtension`), and each verdict is kept per
(type, id) for the request: a page of 50 tenants costs 50 set lookups, and no query.

Small value objects that only ever appear inside a checked object (a summary's sections) and the
pages of a list take their container's rule instead (`executed = False`); the schema test proves
that no root reaches one of them without passing a checked object first, pages aside.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable
from typing import Any

from strawberry.extensions import SchemaExtension

from policies.guard import Guard
from policies.scope import EMPTY, Scope
from policies.vocabulary import Act
from resolvers.shared.errors import Forbidden

log = logging.getLogger("bailleurs.graphql")

READABLE_BY = "Lisible par : "
REFUSED = "Vous n'avez pas le droit de lire cet élément."


class Reader:
    """One operation's caller, as the read rules see it, and the verdicts already given."""

    __slots__ = ("user_id", "organisation_id", "scopes", "verdicts")

    def __init__(self, user_id: int | None, organisation_id: int | None,
                 scopes: dict[Act, Scope]) -> None:
        self.user_id = user_id  # None unless a full session (first login completed)
        self.organisation_id = organisation_id
        self.scopes = scopes
        self.verdicts: dict[tuple[str, Hashable], bool] = {}

    @classmethod
    async def of(cls, guard: Guard) -> Reader:
        p = guard.principal
        if p is None or p.restricted or p.user_id is None:
            return cls(None, None, {})
        # The guard compiles its rights once per request; each scope is then a dict lookup.
        return cls(p.user_id, p.organisation_id, {act: await guard.scope(act) for act in Act})

    def scope(self, act: Act) -> Scope:
        return self.scopes.get(act, EMPTY)

    def holds(self, act: Act) -> bool:
        """An organisation- or agency-wide right."""
        return not self.scope(act).is_empty

    def admits(self, rule: ReadRule, type_name: str, obj: Any) -> bool:
        identity = rule.identity(obj)
        if identity is None:
            return rule.admits(self, obj)
        key = (type_name, identity)
        verdict = self.verdicts.get(key)
        if verdict is None:
            verdict = self.verdicts[key] = rule.admits(self, obj)
        return verdict


class ReadRule:
    """Who may read the objects of a type; `description` ends "Lisible par : …"."""

    executed = True

    def __init__(self, description: str) -> None:
        self.description = description

    def identity(self, obj: Any) -> Hashable | None:
        """What the verdict is kept under for the request (None: not worth keeping)."""
        return None

    def admits(self, reader: Reader, obj: Any) -> bool:
        raise NotImplementedError


class _Everyone(ReadRule):
    def admits(self, reader: Reader, obj: Any) -> bool:
        return True


class _SignedIn(ReadRule):
    def admits(self, reader: Reader, obj: Any) -> bool:
        return reader.user_id is not None


class _HoldsRight(ReadRule):
    def __init__(self, description: str, act: Act) -> None:
        super().__init__(description)
        self.act = act

    def admits(self, reader: Reader, obj: Any) -> bool:
        return reader.holds(self.act)


class _HoldsAnyRight(ReadRule):
    def __init__(self, description: str, *acts: Act) -> None:
        super().__init__(description)
        self.acts = acts

    def admits(self, reader: Reader, obj: Any) -> bool:
        return any(reader.holds(act) for act in self.acts)


class _OnHousing(ReadRule):
    """Read or declare rights on the housing (organisation, type, département): the union of what
    the roots that return tenants scope on, `tenants` (read) and the declaring mutations."""

    def identity(self, obj: Any) -> Hashable:
        return obj.id

    def admits(self, reader: Reader, obj: Any) -> bool:
        place = obj.housing_place
        return reader.scope(Act.READ).allows(*place) or reader.scope(Act.DECLARE).allows(*place)


class _ThroughTenant(ReadRule):
    def identity(self, obj: Any) -> Hashable:
        return obj.id

    def admits(self, reader: Reader, obj: Any) -> bool:
        return reader.admits(TENANT, "Tenant", obj.tenant)


class _SelfOrManager(ReadRule):
    def identity(self, obj: Any) -> Hashable:
        return obj.id

    def admits(self, reader: Reader, obj: Any) -> bool:
        if reader.user_id is None:
            return False
        if reader.user_id == int(obj.id) or reader.holds(Act.REPLACE_ADMIN):
            return True
        manage = reader.scope(Act.MANAGE)
        return not manage.is_empty and manage.organisation_id == obj.organisation_id


class _MemberOrAgent(ReadRule):
    def identity(self, obj: Any) -> Hashable:
        return obj.organisation_id

    def admits(self, reader: Reader, obj: Any) -> bool:
        if reader.user_id is None:
            return False
        return reader.organisation_id == obj.organisation_id or reader.holds(Act.REPLACE_ADMIN)


class _FromContainer(ReadRule):
    """Not checked per object: the container's rule covers it (proved by the schema test)."""

    executed = False

    def admits(self, reader: Reader, obj: Any) -> bool:
        return True


ANYONE = _Everyone("toute personne (résultat d'une opération publique)")
SIGNED_IN = _SignedIn("utilisateur connecté (comptes faits sur ses seules habilitations)")
AUDITOR = _HoldsRight("auditeur de la Caf", Act.AUDIT)
AGENT = _HoldsRight("agent de la Caf", Act.REPLACE_ADMIN)
AGENCY_STAFF = _HoldsAnyRight("auditeur ou agent de la Caf", Act.AUDIT, Act.REPLACE_ADMIN)
TENANT = _OnHousing("utilisateur habilité à lire ou à déclarer pour le logement du locataire")
HOUSING = _OnHousing("utilisateur habilité à lire ou à déclarer pour ce logement")
OF_TENANT = _ThroughTenant("quiconque peut lire son locataire")
SELF_OR_MANAGER = _SelfOrManager(
    "l'utilisateur lui-même, un gestionnaire des habilitations de son organisation, "
    "ou un agent de la Caf"
)
MEMBER_OR_AGENT = _MemberOrAgent("un utilisateur de l'organisation, ou un agent de la Caf")
PART_OF_PARENT = _FromContainer("quiconque peut lire l'objet qui le contient")
PAGE = _FromContainer(
    "quiconque peut appeler le champ qui renvoie la liste ; chaque élément suit sa propre règle"
)


def _checker(cls: type, type_name: str, rule: ReadRule) -> Callable[[Any, Any], bool]:
    def is_type_of(obj: Any, info: Any) -> bool:
        if not isinstance(obj, cls):
            return False  # another member of a union or an interface
        reader: Reader | None = info.context.reader
        if reader is None or not reader.admits(rule, type_name, obj):
            # A root returned what its caller may not read: refused here, and worth a look.
            log.warning("read rule refused an object", extra={"type": type_name,
                                                               "path": info.path.as_list()})
            raise Forbidden(REFUSED)
        return True

    def admitted(obj: Any, context: Any) -> bool:
        """`is_type_of`'s verdict without its refusal (no error, no log): what the short path
        of schema.execution asks; on False it leaves the object to graphql-core, which calls
        `is_type_of` and reports the refusal where it belongs."""
        reader: Reader | None = context.reader
        return isinstance(obj, cls) and reader is not None and reader.admits(rule, type_name, obj)

    is_type_of.admitted = admitted  # type: ignore[attr-defined]
    return is_type_of


def readable_by(rule: ReadRule):
    """Give a Strawberry object type its read rule: in its description, and executed."""

    def install(cls):
        definition = cls.__strawberry_definition__
        stated = f"{READABLE_BY}{rule.description}."
        definition.description = f"{definition.description} {stated}".lstrip()
        cls.__read_rule__ = rule
        if rule.executed:
            definition.is_type_of = _checker(cls, definition.name, rule)
        return cls

    return install


def read_rule_of(cls: type) -> ReadRule | None:
    return getattr(cls, "__read_rule__", None)


class ReadRulesExtension(SchemaExtension):
    """Reads the caller's rights once per operation, before any object is completed: the rules
    then decide without awaiting (an awaiting `is_type_of` would make every row asynchronous)."""

    async def on_execute(self):
        context = self.execution_context.context
        context.reader = await Reader.of(context.guard)
        yield
