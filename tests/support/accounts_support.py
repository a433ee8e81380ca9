"""Helpers shared by the account tests (tests/accounts/); their GraphQL documents are in
tests/accounts/operations.py."""

from __future__ import annotations

import re

from models import Organisation, OutboxMail
from tests.accounts.operations import COMPLETE_FIRST_LOGIN, LOGIN
from tests.support.factories import import_organisations, organisation_data

NEW_PASSWORD = "Nouveau-Secret-2026"


def profile(email: str, password: str = NEW_PASSWORD, **overrides) -> dict:
    return {
        "input": {
            "lastName": "MARTIN",
            "firstName": "CLAIRE",
            "email": email,
            "phone": "0231000000",
            "newPassword": password,
            "acceptUsageRules": True,
            "acceptTerms": True,
            **overrides,
        }
    }


async def new_organisation(
    api,
    name: str = "LES TILLEULS",
    *,
    email: str | None = None,
    postal: dict | None = None,
    housings: list | None = None,
) -> tuple[Organisation, dict]:
    """An imported, not yet activated organisation, and its two letters."""
    data = organisation_data(name, housings or [("CONVENTIONNE", "14", 2)])
    if email:
        data["email"] = email
    if postal:
        data["postalAddress"] = postal
    [letters] = await import_organisations(api, data)
    return await Organisation.get(user_number=letters["userNumber"]), letters


async def activated_organisation(
    api, name: str = "LES TILLEULS", *, admin_email: str = "admin@tilleuls.example", **kwargs
) -> tuple[Organisation, str, str]:
    """(organisation, administrator's identifier, administrator's token)."""
    organisation, letters = await new_organisation(api, name, **kwargs)
    login = await api.ok(
        LOGIN, {"identifier": letters["identifier"], "password": letters["initialPassword"]}
    )
    done = await api.ok(COMPLETE_FIRST_LOGIN, profile(admin_email), login["login"]["token"])
    await organisation.refresh_from_db()
    return organisation, letters["identifier"], done["completeFirstLogin"]["token"]


AGENT_PASSWORD = "Agent-Caf-Secret-2026"


async def agency_token(api, role: str = "agent_caf") -> str:
    """A session of a new agency account (agent_caf or auditeur), created as the CLI does."""
    from bailleurs.agency import create_agent

    identifier = f"CAF.{role.upper()}"
    message = await create_agent(api.services.settings, role, identifier, AGENT_PASSWORD)
    assert "créé" in message
    return await api.login(identifier, AGENT_PASSWORD)


def credentials_in(body: str) -> tuple[str, str]:
    """The identifier and password on their own lines, as every credential mail carries them."""
    body = body.replace("\r\n", "\n")
    identifier = re.search(r"^Identifiant : (\S+)$", body, re.M)
    password = re.search(r"^Mot de passe provisoire : (\S+)$", body, re.M)
    assert identifier and password, body
    return identifier.group(1), password.group(1)


def body_of(message) -> str:
    return message.get_content()


async def outbox(**filters) -> list[OutboxMail]:
    return await OutboxMail.filter(**filters).order_by("id")
