"""Operations and helpers of the account take-over and person-input attacks (tests/security)."""

from __future__ import annotations

from models import OutboxMail
from tests.accounts.operations import LOGIN
from tests.habilitations.operations import CREATE_USER
from tests.habilitations.operations import HABILITATION_GROUPS as GROUPS
from tests.support.accounts_support import credentials_in


def new_user(group_id: str, email: str, **overrides) -> dict:
    return {"input": {
        "lastName": "DURAND", "firstName": "Léa", "email": email, "emailConfirmation": email,
        "phone": "0601020304", "phoneConfirmation": "0601020304", "workMode": "SEDENTAIRE",
        "groupIds": [group_id], **overrides,
    }}


async def first_group(api, admin_token: str) -> str:
    return (await api.ok(GROUPS, token=admin_token))["habilitationGroups"][0]["id"]


async def create_user(api, admin_token: str, email: str) -> tuple[dict, str]:
    """A user created by the administrator: (the user, the provisional password mailed)."""
    group_id = await first_group(api, admin_token)
    created = (await api.ok(CREATE_USER, new_user(group_id, email), admin_token))["createUser"]
    mail = await OutboxMail.filter(recipient=created["email"]).order_by("-id").first()
    identifier, provisional = credentials_in(mail.body)
    assert identifier == created["identifier"]
    return created, provisional


async def restricted_login(api, identifier: str, password: str) -> tuple[str, list[str]]:
    data = (await api.ok(LOGIN, {"identifier": identifier, "password": password}))["login"]
    assert data["requiredActions"], data
    return data["token"], data["requiredActions"]


def codes(bodies: list[dict]) -> list[str]:
    return sorted(b["errors"][0]["extensions"]["code"] for b in bodies if "errors" in b)
