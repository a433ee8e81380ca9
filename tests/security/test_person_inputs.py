"""Finding 9: an e-mail address is one plain address, a phone a real number, and one address
belongs to one user still in use per organisation (a database guarantee, held under 20
parallel creations)."""

import asyncio

import pytest

from models import OutboxMail, User
from resolvers.shared.clock import today
from tests.accounts.operations import CHANGE_EMAIL, COMPLETE_FIRST_LOGIN
from tests.habilitations.operations import CLOSE_USER, CREATE_USER
from tests.security.takeover_support import (
    codes,
    create_user,
    first_group,
    new_user,
    restricted_login,
)
from tests.support.accounts_support import NEW_PASSWORD, activated_organisation, profile

ADMIN = "claire.martin@tilleuls.example"
TAKEN = "Cette adresse mail est déjà celle d'un autre utilisateur de votre organisme."

NOT_ONE_PLAIN_ADDRESS = [
    "a@tilleuls.example, b@pirates.example",  # a list, mailed to both before
    "a@tilleuls.example;b@pirates.example",
    "Léa Durand <lea@tilleuls.example>",  # a display name
    "lea@tilleuls.example\r\nBcc: b@pirates.example",  # header injection
    "lea@tilleuls.example\n",
    "lea\t@tilleuls.example",
    "le\x07a@tilleuls.example",  # a control character (NUL is refused before, with 400)
    " lea@tilleuls.example",
    '"lea durand"@tilleuls.example',
    "lea@",
    "pas-une-adresse",
]
NOT_A_PHONE = ["12", "06 01 02 03 04\r\n", "0601020304 poste 12", "abc", "+33 6", "0" * 31]


@pytest.mark.parametrize("email", NOT_ONE_PLAIN_ADDRESS)
async def test_create_user_refuses_anything_but_one_plain_address(api, email):
    _, _, admin = await activated_organisation(api, admin_email=ADMIN)
    group_id = await first_group(api, admin)
    mails = await OutboxMail.all().count()
    error = await api.error(CREATE_USER, new_user(group_id, email), admin)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "email" in error["extensions"]["fields"]
    assert await User.all().count() == 1 and await OutboxMail.all().count() == mails


@pytest.mark.parametrize("phone", NOT_A_PHONE)
async def test_create_user_refuses_what_is_not_a_phone_number(api, phone):
    _, _, admin = await activated_organisation(api, admin_email=ADMIN)
    group_id = await first_group(api, admin)
    variables = new_user(group_id, "lea@tilleuls.example", phone=phone, phoneConfirmation=phone)
    error = await api.error(CREATE_USER, variables, admin)
    assert set(error["extensions"]["fields"]) == {"phone"}
    assert await User.all().count() == 1


async def test_plain_addresses_and_french_or_international_numbers_are_kept(api):
    _, _, admin = await activated_organisation(api, admin_email=ADMIN)
    group_id = await first_group(api, admin)
    for email, phone in (("Lea.Durand@Tilleuls.EXAMPLE", "02 31 00 00 00"),
                         ("jose@tilleuls.example", "+33 6 01 02 03 04"),
                         ("zoe@tilleuls.example", "+1 202 555 0143")):
        variables = new_user(group_id, email, phone=phone, phoneConfirmation=phone)
        created = (await api.ok(CREATE_USER, variables, admin))["createUser"]
        assert created["phone"] == phone and created["email"].lower() == email.lower()
    # the domain is stored in lower case, the mailbox part as typed
    assert await User.filter(email="Lea.Durand@tilleuls.example").exists()


async def test_first_login_refuses_an_address_list(api):
    _, _, admin = await activated_organisation(api, admin_email=ADMIN)
    created, provisional = await create_user(api, admin, "lea@tilleuls.example")
    token, _ = await restricted_login(api, created["identifier"], provisional)
    error = await api.error(
        COMPLETE_FIRST_LOGIN, profile("lea@tilleuls.example, b@pirates.example"), token
    )
    assert set(error["extensions"]["fields"]) == {"email"}
    assert (await User.get(id=created["id"])).email == "lea@tilleuls.example"


async def test_twenty_parallel_creations_with_one_address_make_one_user(api):
    _, _, admin = await activated_organisation(api, admin_email=ADMIN)
    group_id = await first_group(api, admin)
    # the same address, in several cases: one mailbox all the same
    addresses = [("LEA" if i % 2 else "lea") + "@tilleuls.example" for i in range(20)]
    bodies = await asyncio.gather(*(
        api.gql(CREATE_USER, new_user(group_id, a), admin) for a in addresses
    ))
    assert len([b for b in bodies if "errors" not in b]) == 1
    assert codes(bodies) == ["CONFLICT"] * 19
    assert all(b["errors"][0]["extensions"]["fields"] == {"email": TAKEN}
               for b in bodies if "errors" in b)
    assert await User.filter(email__iexact="lea@tilleuls.example").count() == 1
    assert await OutboxMail.filter(recipient__iexact="lea@tilleuls.example").count() == 1


async def test_an_address_is_free_again_once_its_user_is_closed_or_elsewhere(api):
    _, _, admin = await activated_organisation(api, admin_email=ADMIN)
    group_id = await first_group(api, admin)
    first, _ = await create_user(api, admin, "lea@tilleuls.example")
    # the same address in another organisation is another person's business
    _, _, other_admin = await activated_organisation(api, "LES PINS", admin_email=ADMIN)
    await create_user(api, other_admin, "lea@tilleuls.example")
    # within the organisation, only once the first user is closed
    taken = await api.error(CREATE_USER, new_user(group_id, "lea@tilleuls.example"), admin)
    assert taken["extensions"]["code"] == "CONFLICT"
    await api.ok(CLOSE_USER, {"u": first["id"], "d": today().isoformat()}, admin)
    await api.ok(CREATE_USER, new_user(group_id, "lea@tilleuls.example"), admin)


async def test_nobody_takes_a_colleagues_address(api):
    # by a change of address
    _, _, admin = await activated_organisation(api, admin_email=ADMIN)
    created, provisional = await create_user(api, admin, "lea@tilleuls.example")
    error = await api.error(CHANGE_EMAIL, {"current": NEW_PASSWORD,
                                           "email": "LEA@tilleuls.example"}, admin)
    assert error["extensions"]["code"] == "CONFLICT"
    assert error["extensions"]["fields"] == {"newEmail": TAKEN}
    # nor by a first login
    token, _ = await restricted_login(api, created["identifier"], provisional)
    error = await api.error(COMPLETE_FIRST_LOGIN, profile(ADMIN), token)
    assert error["extensions"]["code"] == "CONFLICT"
    assert (await User.get(id=created["id"])).email == "lea@tilleuls.example"
    # and the failed first login did not spend the session
    await api.ok(COMPLETE_FIRST_LOGIN, profile("lea.d@tilleuls.example"), token)
