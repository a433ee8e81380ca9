"""Synthetic agency data, as plain rows ready for a bulk load (no ORM in the way).

Every organisation gets 2–6 habilitation groups (one per housing type × département it manages,
as the importer creates them), a handful of users in 1–3 groups, and tenants spread over its
groups with a skewed size distribution (a few large landlords, many small ones). Organisation 1 is
the benchmark's: always the same 1,000 tenants (fewer in quick mode) over exactly three groups,
with an administrateur and an agent in all three groups, so that both see the same page and the
only difference between their requests is the habilitation condition.

Policy lines are the product's own strings: `organisation_role_rules` and `group_rules` for `p`,
`[u:<id>, role or grp:<id>, org:<id>]` for `g` (what `add_role_for_user_in_domain` writes).
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from bailleurs.importer import TYPE_LABELS
from models.enums import DeclarationState, HousingType
from policies.defaults import group_rules, organisation_role_rules
from policies.vocabulary import Role, group_subject, org_domain, user_subject

SIZES: dict[str, tuple[int, int]] = {  # name -> (tenants, organisations)
    "quick": (600, 6),
    "1e4": (10_000, 100),
    "1e5": (100_000, 1_000),
    "1e6": (1_000_000, 10_000),
}
BENCH_ORG = 1
BENCH_GROUPS = (
    (HousingType.CONVENTIONNE, "2A"),
    (HousingType.CONVENTIONNE, "971"),
    (HousingType.PRIVE, "14"),
)
# Tokens of the benchmark's sessions (stored hashed like any session).
AGENT_TOKEN = "bench-agent-in-three-groups"
ADMIN_TOKEN = "bench-administrateur"
# One argon2 hash for every synthetic user: nobody logs in with a password here.
PASSWORD_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$YmVuY2hiZW5jaGJlbmNo$0000000000000000000000000000000000000000000"
)

# Départements weighted roughly by social housing stock, overseas and Corsica included.
DEPARTEMENTS = {
    "75": 9, "93": 8, "13": 8, "69": 7, "59": 8, "92": 6, "94": 6, "33": 5, "31": 5, "44": 4,
    "14": 3, "76": 5, "67": 4, "06": 4, "34": 4, "35": 4, "38": 4, "62": 5, "57": 3, "2A": 1,
    "2B": 1, "971": 2, "972": 2, "974": 3, "973": 1, "976": 1, "21": 2, "63": 2, "87": 1, "29": 2,
}
LAST_NAMES = (
    "MARTIN", "BERNARD", "DUBOIS", "THOMAS", "ROBERT", "RICHARD", "PETIT", "DURAND", "LEROY",
    "MOREAU", "SIMON", "LAURENT", "LEFEBVRE", "MICHEL", "GARCIA", "DAVID", "BERTRAND", "ROUX",
    "VINCENT", "FOURNIER", "MOREL", "GIRARD", "ANDRE", "MERCIER", "DUPONT", "LAMBERT", "BONNET",
    "FRANCOIS", "MARTINEZ", "LEGRAND", "GARNIER", "FAURE", "ROUSSEAU", "BLANC", "GUERIN", "MULLER",
    "HENRY", "ROUSSEL", "NICOLAS", "PERRIN", "MORIN", "MATHIEU", "CLEMENT", "GAUTHIER", "DUMONT",
    "LOPEZ", "FONTAINE", "CHEVALIER", "ROBIN", "MASSON", "SANCHEZ", "GERARD", "NGUYEN", "BOYER",
    "DENIS", "LEMAIRE", "DUVAL", "JOLY", "GAUTIER", "ROGER", "ROCHE", "ROY", "NOEL", "MEYER",
    "LUCAS", "MEUNIER", "JEAN", "PEREZ", "MARCHAND", "DUFOUR", "BLANCHARD", "MARIE", "BARBIER",
    "BRUN", "DUMAS", "BRISSON", "BEAUVOIS",
)
FIRST_NAMES = (
    "MARIE", "JEAN", "PIERRE", "MICHEL", "ANDRE", "PHILIPPE", "NATHALIE", "ISABELLE", "SYLVIE",
    "CATHERINE", "CHRISTOPHE", "FREDERIC", "LAURENT", "STEPHANE", "SANDRINE", "VALERIE",
    "SEBASTIEN", "NICOLAS", "JULIEN", "CELINE", "AURELIE", "EMILIE", "THOMAS", "CAMILLE", "LEA",
    "MANON", "HUGO", "LUCAS", "INES", "SARAH", "YANIS", "ADAM", "CHLOE", "EMMA", "LOUISE", "KEVIN",
    "ANTHONY",
)
STREETS = ("RUE DE LA PAIX", "AVENUE JEAN JAURES", "RUE VICTOR HUGO", "BOULEVARD PASTEUR",
           "PLACE DE LA MAIRIE", "RUE DES ECOLES", "ALLEE DES TILLEULS", "RUE DU MOULIN")


def postal_prefix(dept: str) -> str:
    return "20" if dept in ("2A", "2B") else dept


@dataclass
class Tables:
    """Rows per table, in insertion order (parents first)."""

    organisation: list[tuple] = field(default_factory=list)
    app_user: list[tuple] = field(default_factory=list)
    habilitation_group: list[tuple] = field(default_factory=list)
    casbin_rule: list[tuple] = field(default_factory=list)
    housing: list[tuple] = field(default_factory=list)
    tenant: list[tuple] = field(default_factory=list)
    rent_declaration: list[tuple] = field(default_factory=list)
    session: list[tuple] = field(default_factory=list)

    def items(self) -> Iterator[tuple[str, list[tuple]]]:
        yield from vars(self).items()


COLUMNS = {
    "organisation": ("id", "name", "user_number", "convention_name", "convention_state",
                     "initial_identifier", "administrator_id", "activated_at", "created_at"),
    "app_user": ("id", "organisation_id", "identifier", "last_name", "first_name", "email",
                 "work_mode", "status", "password_hash", "must_change_password", "failed_logins",
                 "lock_count", "created_at", "opening_date", "profile_completed_at",
                 "usage_rules_accepted_at", "terms_accepted_at"),
    "habilitation_group": ("id", "organisation_id", "name", "housing_type", "zones", "created_at"),
    "casbin_rule": ("id", "ptype", "v0", "v1", "v2", "v3", "v4", "v5"),
    "housing": ("id", "organisation_id", "ref", "housing_type", "address", "postal_code",
                "commune", "departement"),
    "tenant": ("id", "housing_id", "allocataire_number", "last_name", "first_name",
               "occupied_since", "colocation", "last_rent_cents", "benefit_cents"),
    "rent_declaration": ("id", "tenant_id", "year", "state", "still_manager",
                         "tenant_still_present", "colocation", "rent_cents", "charges_cents",
                         "amount_confirmed", "reference", "transmitted_at", "created_at",
                         "updated_at"),
    "session": ("id", "token_hash", "csrf_token", "user_id", "restricted", "created_at",
                "last_seen_at", "expires_at", "absolute_expires_at"),
}


class Generator:
    def __init__(self, size: str, campaign_year: int, seed: int = 2026) -> None:
        self.tenants_total, self.organisations = SIZES[size]
        self.bench_tenants = min(1_000, self.tenants_total // 2)
        self.year = campaign_year
        self.rng = random.Random(seed)
        self.now = datetime.now(UTC)
        self.t = Tables()
        self._ids = {name: 0 for name in COLUMNS}
        self._depts, self._weights = list(DEPARTEMENTS), list(DEPARTEMENTS.values())

    def next_id(self, table: str) -> int:
        self._ids[table] += 1
        return self._ids[table]

    def generate(self) -> Tables:
        sizes = self._organisation_sizes()
        for org_id, tenants in enumerate(sizes, start=1):
            self._organisation(org_id, tenants)
        return self.t

    def _organisation_sizes(self) -> list[int]:
        others = self.organisations - 1
        weights = [self.rng.lognormvariate(0, 1) for _ in range(others)]
        left = self.tenants_total - self.bench_tenants
        sizes = [max(1, int(left * w / sum(weights))) for w in weights]
        sizes[0] += left - sum(sizes)  # rounding goes to one organisation
        return [self.bench_tenants, *sizes]

    def _pairs(self, org_id: int) -> list[tuple[HousingType, str]]:
        if org_id == BENCH_ORG:
            return list(BENCH_GROUPS)
        k = self.rng.randint(2, 6)
        depts: set[str] = set()
        while len(depts) < (k + 1) // 2:
            depts.add(self.rng.choices(self._depts, self._weights)[0])
        candidates = [(t, d) for d in sorted(depts) for t in HousingType]
        return self.rng.sample(candidates, k)

    def _organisation(self, org_id: int, tenants: int) -> None:
        t, now = self.t, self.now
        admin_id = self._ids["app_user"] + 1
        t.organisation.append((
            org_id, f"BAILLEUR {org_id:05d}", f"BENCH{org_id:09d}", "Convention bailleur",
            "VALIDEE", f"P{org_id:09d}", admin_id, now, now,
        ))
        dom = org_domain(org_id)
        self._rules("p", organisation_role_rules(org_id))
        groups = []
        for housing_type, dept in self._pairs(org_id):
            gid = self.next_id("habilitation_group")
            name = f"{TYPE_LABELS[housing_type]} – {dept}"
            t.habilitation_group.append(
                (gid, org_id, name, housing_type.value, json.dumps([dept]), now)
            )
            self._rules("p", group_rules(org_id, gid, housing_type.value, [dept]))
            groups.append((gid, housing_type, dept))
        bench = org_id == BENCH_ORG
        admin = "BENCH.ADMIN" if bench else f"U{org_id:06d}.ADMIN"
        self._user(org_id, admin, [Role.ADMINISTRATEUR.value])
        if bench:
            agent = self._user(org_id, "BENCH.AGENT", [group_subject(g[0]) for g in groups])
            self._session(admin_id, ADMIN_TOKEN)
            self._session(agent, AGENT_TOKEN)
        for n in range(self.rng.randint(2, 8)):
            chosen = self.rng.sample(groups, self.rng.randint(1, min(3, len(groups))))
            roles = [group_subject(g[0]) for g in chosen]
            if n == 0 and self.rng.random() < 0.3:
                roles.append(Role.RESPONSABLE.value)
            self._user(org_id, f"U{org_id:06d}.{n:02d}", roles)
        for i in range(tenants):
            self._tenant(org_id, groups[i % len(groups)], dom)

    def _rules(self, ptype: str, rules: list[list[str]]) -> None:
        for rule in rules:
            values = [*rule, "", "", "", "", "", ""][:6]
            self.t.casbin_rule.append((self.next_id("casbin_rule"), ptype, *values))

    def _user(self, org_id: int, identifier: str, roles: list[str]) -> int:
        uid, now, rng = self.next_id("app_user"), self.now, self.rng
        self.t.app_user.append((
            uid, org_id, identifier, rng.choice(LAST_NAMES), rng.choice(FIRST_NAMES),
            f"{identifier.lower()}@bailleur.example", "sedentaire", "active", PASSWORD_HASH,
            False, 0, 0, now, date(2020, 1, 1), now, now, now,
        ))
        self._rules("g", [[user_subject(uid), role, org_domain(org_id)] for role in roles])
        return uid

    def _session(self, user_id: int, token: str) -> None:
        from resolvers.accounts.sessions import token_digest

        far = self.now + timedelta(days=3650)
        self.t.session.append((
            self.next_id("session"), token_digest(token), "csrf-" + token, user_id, False,
            self.now, self.now, far, far,
        ))

    def _tenant(self, org_id: int, group: tuple[int, HousingType, str], dom: str) -> None:
        rng, _gid, (housing_type, dept) = self.rng, group[0], group[1:]
        hid = self.next_id("housing")
        prefix = postal_prefix(dept)
        postal = (prefix + f"{rng.randint(0, 10 ** (5 - len(prefix)) - 1):0{5 - len(prefix)}d}")
        self.t.housing.append((
            hid, org_id, f"H{hid}", housing_type.value,
            f"{rng.randint(1, 120)} {rng.choice(STREETS)}", postal, f"COMMUNE {prefix}-{hid % 37}",
            dept,
        ))
        tid = self.next_id("tenant")
        rent = rng.randint(25_000, 90_000)
        self.t.tenant.append((
            tid, hid, str(tid), rng.choice(LAST_NAMES), rng.choice(FIRST_NAMES),
            date(2000, 1, 1) + timedelta(days=rng.randint(0, 9_000)), rng.random() < 0.08,
            rent, rng.randint(8_000, 30_000),
        ))
        self._declaration(tid, rent)

    def _declaration(self, tenant_id: int, rent: int) -> None:
        roll = self.rng.random()
        if roll >= 0.6:
            return  # non saisi: no row
        state = DeclarationState.TRANSMIS if roll < 0.25 else DeclarationState.BROUILLON
        sent = state == DeclarationState.TRANSMIS
        did = self.next_id("rent_declaration")
        self.t.rent_declaration.append((
            did, tenant_id, self.year, state.value, True, True, False, rent, 3_000, sent,
            f"DL{self.year}-{tenant_id}" if sent else None, self.now if sent else None,
            self.now, self.now,
        ))
