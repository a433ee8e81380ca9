"""Finding 9: a new password may repeat neither the current one nor one of the last 5; only
their argon2 hashes are kept, never more than 5."""

from itertools import pairwise

from models import PasswordHistory, User
from tests.accounts.operations import CHANGE_PASSWORD, COMPLETE_FIRST_LOGIN
from tests.security.takeover_support import create_user, restricted_login
from tests.support.accounts_support import NEW_PASSWORD, activated_organisation, profile

REUSED = "Choisissez un mot de passe différent de l'actuel et des 5 précédents."


async def _change(api, token: str, current: str, new: str) -> dict:
    return await api.gql(CHANGE_PASSWORD, {"current": current, "new": new}, token)


async def test_the_current_password_and_the_last_five_are_refused(api):
    # given: an administrator who changed their password six times
    _, identifier, token = await activated_organisation(api)
    passwords = [NEW_PASSWORD] + [f"Secret-Numero-{i}!" for i in range(1, 7)]
    for current, new in pairwise(passwords):
        body = await _change(api, token, current, new)
        token = body["data"]["changePassword"]["token"]
    current = passwords[-1]
    user = await User.get(identifier=identifier)
    stored = await PasswordHistory.filter(user_id=user.id).values_list("password_hash", flat=True)
    assert len(stored) == 5 and all(h.startswith("$argon2") for h in stored)
    # when / then: the current one and the five before it are refused, nothing changes
    for reused in passwords[-6:]:
        body = await _change(api, token, current, reused)
        assert body["errors"][0]["extensions"]["fields"] == {"newPassword": REUSED}, reused
    assert (await User.get(id=user.id)).password_hash == user.password_hash
    # the sixth before the current one is old enough again
    body = await _change(api, token, current, passwords[0])
    assert "errors" not in body, body
    assert await api.login(identifier, passwords[0])
    assert await PasswordHistory.filter(user_id=user.id).count() == 5


async def test_a_first_login_cannot_keep_the_provisional_password(api):
    _, _, admin = await activated_organisation(api, admin_email="admin@tilleuls.example")
    created, provisional = await create_user(api, admin, "lea@tilleuls.example")
    token, _ = await restricted_login(api, created["identifier"], provisional)
    error = await api.error(COMPLETE_FIRST_LOGIN, profile("lea@tilleuls.example", provisional),
                            token)
    assert error["extensions"]["fields"] == {"newPassword": REUSED}
    await api.ok(COMPLETE_FIRST_LOGIN, profile("lea@tilleuls.example"), token)
