"""An agent reissues an organisation's letters keeping the former ones: both work until the new
password is first used, which retires the former letter and the sessions it opened."""

from __future__ import annotations

from models import AuditEvent, Organisation
from tests.accounts.operations import COMPLETE_FIRST_LOGIN, LOGIN
from tests.accounts.operations import REISSUE_KEEPING_FORMER as REISSUE
from tests.support.accounts_support import agency_token, new_organisation, profile


async def _opens(api, identifier: str, password: str) -> str | None:
    body = await api.gql(LOGIN, {"identifier": identifier, "password": password})
    if "errors" in body:
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", body
        return None
    return body["data"]["login"]["token"]


async def test_the_former_letter_dies_only_when_the_new_one_is_used(api):
    # given: an organisation not yet activated, and a session opened with its letter
    organisation, letters = await new_organisation(api)
    identifier, former = letters["identifier"], letters["initialPassword"]
    old_session = await _opens(api, identifier, former)
    agent = await agency_token(api)
    # when: the agent reissues keeping the former letter
    done = (await api.ok(REISSUE, {"org": str(organisation.id)}, agent))[
        "reissueActivationLetters"]
    new = done["initialPassword"]
    # then: both letters still open a first login
    assert done["identifier"] == identifier and new and new != former
    assert await _opens(api, identifier, former)
    event = await AuditEvent.get(action="activation_letters_reissued")
    assert event.after == {"post": False, "formerKept": True}
    # when the new one is used, the former one and its sessions die
    token = await _opens(api, identifier, new)
    assert token
    assert await _opens(api, identifier, former) is None
    late = await api.error(COMPLETE_FIRST_LOGIN, profile("x@t.example"), old_session)
    assert late["extensions"]["code"] == "UNAUTHENTICATED"
    await api.ok(COMPLETE_FIRST_LOGIN, profile("admin@t.example"), token)
    assert (await Organisation.get(id=organisation.id)).activated_at is not None
