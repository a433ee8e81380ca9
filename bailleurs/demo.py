"""Demo data loaded by `serve` on an empty database: the guide's LES OLIVIERS and a second
organisation across both housing types and several départements (2A and 971 included).

Demo logins (also in the README) use fixed passwords: this data is for a laptop, never for
production.
"""

from __future__ import annotations

from datetime import date

from tortoise.transactions import in_transaction

from bailleurs.importer import import_data
from bailleurs.settings import Settings, load
from models import HabilitationGroup, Organisation, RentDeclaration, Tenant, User
from models.enums import AgencyRole, DeclarationState, UserStatus
from policies.defaults import agency_role_rules
from policies.enforcers import load_enforcer
from policies.vocabulary import AGENCY_DOMAIN, Role, org_domain, user_subject
from resolvers.accounts.passwords import hash_password
from resolvers.shared.clock import now

DEMO_LOGINS = {
    "OLIVIERS.ADMIN": "Demo-Admin-2026!",  # administrateur of LES OLIVIERS
    "OLIVIERS.AGENT": "Demo-Agent-2026!",  # conventionné 14 only
    "CAF.AUDIT": "Demo-Audit-2026!",  # auditeur
    "CAF.AGENT": "Demo-AgentCaf-2026!",  # agent_caf
}
# HABITAT DU SUD is not activated: its two letters carry these.
SUD_LETTER = ("SUD.LETTRE", "Lettre-Sud-2026!")


def _tenant(number, last, first, since, rent, colocation=False, benefit=None):
    return {"allocataireNumber": number, "lastName": last, "firstName": first,
            "occupiedSince": since, "colocation": colocation, "lastRentCents": rent,
            "benefitCents": benefit}


def _housing(ref, kind, address, postal, commune, dept, tenants):
    return {"ref": ref, "type": kind, "address": address, "postalCode": postal,
            "commune": commune, "departement": dept, "tenants": tenants}


def demo_data(today: date | None = None) -> dict:
    today = today or date.today()
    olivier_tenants = [
        ("h1", "CONVENTIONNE", "20 RUE DOYEN MORIERE", "14000", "CAEN", "14",
         _tenant("171842", "BRISSON", "ISABELLE", "2012-07-10", 32875, benefit=21000)),
        ("h2", "CONVENTIONNE", "4 RUE DE L'ODON", "14000", "CAEN", "14",
         _tenant("467060", "BEAUVOIS", "VINCENT", "2015-03-01", 41000, benefit=25000)),
        ("h3", "CONVENTIONNE", "11 AVENUE DE CREULLY", "14000", "CAEN", "14",
         _tenant("580592", "COUTURE", "ANTHONY", "2016-09-15", 38050, benefit=19000)),
        ("h4", "PRIVE", "2 RUE DES ÉCOLES", "14540", "ROCQUANCOURT", "14",
         _tenant("21083", "DUPONT", "MARYLINE", "2009-01-05", 52000, benefit=18000)),
        ("h5", "CONVENTIONNE", "7 PLACE SAINT-SAUVEUR", "14000", "CAEN", "14",
         _tenant("581887", "MILOME", "SYNDY", "2017-02-01", 36500, True, 16000)),
        ("h6", "PRIVE", "15 RUE PASTEUR", "14120", "MONDEVILLE", "14",
         _tenant("216691", "MUROT", "ESTHER", "2011-11-20", 45025, benefit=20000)),
    ]
    sud = [
        ("s1", "CONVENTIONNE", "3 COURS NAPOLÉON", "20000", "AJACCIO", "2A",
         _tenant("3301001", "CASANOVA", "LÆTITIA", "2018-05-01", 61000, benefit=30000)),
        ("s2", "PRIVE", "8 BOULEVARD PAOLI", "20200", "BASTIA", "2B",
         _tenant("3301002", "ORSINI", "PAUL", "2020-10-01", 55000, benefit=22000)),
        ("s3", "CONVENTIONNE", "12 RUE FRÉBAULT", "97110", "POINTE-À-PITRE", "971",
         _tenant("3301003", "LAMBERT", "CÉLINE", "2019-01-15", 47000, benefit=28000)),
        ("s4", "PRIVE", "5 RUE DE RIVOLI", "75004", "PARIS", "75",
         _tenant("3301004", "NGUYEN", "THOMAS", "2021-06-01", 98000, benefit=26000)),
        ("s5", "PRIVE", "1 QUAI DU PORT", "13002", "MARSEILLE", "13",
         _tenant("3301005", "BENALI", "SARAH", "2022-02-01", 72000, True, 24000)),
    ]

    def organisation(name, number, rows, email):
        months = [(today.year * 12 + today.month - 1 - k) for k in range(1, 7)]
        return {
            "name": name, "userNumber": number, "email": email,
            "convention": {"name": name, "state": "Validée"},
            "housings": [_housing(ref, kind, a, p, c, d, [t]) for ref, kind, a, p, c, d, t in rows],
            "payments": [
                {"allocataireNumber": t["allocataireNumber"],
                 "month": f"{m // 12}-{m % 12 + 1:02d}", "amountCents": t["benefitCents"]}
                for *_, t in rows for m in months
            ],
        }

    return {"organisations": [
        organisation("LES OLIVIERS", "OLIVIERS140001", olivier_tenants,
                     "gestion@lesoliviers.example"),
        organisation("HABITAT DU SUD", "HABSUD00000971", sud, "contact@habitatdusud.example"),
    ]}


async def _user(settings: Settings, identifier: str, organisation_id: int | None, **extra) -> User:
    moment = now()
    return await User.create(
        identifier=identifier, organisation_id=organisation_id, status=UserStatus.ACTIVE,
        password_hash=hash_password(settings, DEMO_LOGINS[identifier]), must_change_password=False,
        profile_completed_at=moment, usage_rules_accepted_at=moment, terms_accepted_at=moment,
        **extra,
    )


async def load_demo(settings: Settings | None = None) -> None:
    settings = settings or load()
    await import_data(demo_data(), settings)
    async with in_transaction():
        olivier = await Organisation.get(user_number="OLIVIERS140001")
        sud = await Organisation.get(user_number="HABSUD00000971")
        await Organisation.filter(id=sud.id).update(
            initial_identifier=SUD_LETTER[0],
            initial_password_hash=hash_password(settings, SUD_LETTER[1]),
        )
        admin = await _user(settings, "OLIVIERS.ADMIN", olivier.id, last_name="MARTIN",
                            first_name="CLAIRE", email="claire.martin@lesoliviers.example")
        agent = await _user(settings, "OLIVIERS.AGENT", olivier.id, last_name="LEROY",
                            first_name="HUGO", email="hugo.leroy@lesoliviers.example",
                            created_by=admin)
        await Organisation.filter(id=olivier.id).update(
            administrator_id=admin.id, activated_at=now(), initial_password_hash=None
        )
        domain = org_domain(olivier.id)
        enforcer = await load_enforcer(domain)
        await enforcer.add_role_for_user_in_domain(
            user_subject(admin.id), Role.ADMINISTRATEUR, domain
        )
        group = await HabilitationGroup.get(
            organisation_id=olivier.id, name="Logements conventionnés – 14"
        )
        await enforcer.add_role_for_user_in_domain(
            user_subject(agent.id), f"grp:{group.id}", domain
        )
        agency = await load_enforcer(AGENCY_DOMAIN)
        await agency.add_policies(agency_role_rules())
        agency_logins = (("CAF.AUDIT", AgencyRole.AUDITEUR), ("CAF.AGENT", AgencyRole.AGENT_CAF))
        for identifier, role in agency_logins:
            user = await _user(settings, identifier, None, agency_role=role,
                               last_name="CAF", first_name=role.value)
            await agency.add_role_for_user_in_domain(
                user_subject(user.id), role.value, AGENCY_DOMAIN
            )
        # The guide's table: BEAUVOIS and DUPONT already transmitted this campaign.
        for number in ("467060", "21083"):
            tenant = await Tenant.get(allocataire_number=number)
            await RentDeclaration.create(
                tenant=tenant, year=settings.campaign_year, state=DeclarationState.TRANSMIS,
                still_manager=True, tenant_still_present=True, colocation=tenant.colocation,
                co_tenant_count=0, rent_cents=tenant.last_rent_cents, charges_cents=3000,
                reference=f"DL{settings.campaign_year}-{number}", validated_by=admin,
                created_by=admin, transmitted_at=now(),
            )


async def load_demo_if_empty(settings: Settings | None = None) -> bool:
    if await Organisation.exists():
        return False
    await load_demo(settings)
    return True
