"""A search over more (housing type, département) pairs than the full-text scope phrases
(ARM_PHRASES) pages like a plain filter, through the endpoint, on both databases (issue 14): a
last name's group (the cursor lands inside it), a first name, a commune, a numéro allocataire,
a postal code, a last and a first name of the same row; the same pages for 20 callers at once."""

from __future__ import annotations

import asyncio

from models import Organisation, Tenant
from models.tenant_copies import search_text
from resolvers.declarations.tenant_pages import ARM_PHRASES
from tests.declarations.test_search_matches import _plain_filter, _searched
from tests.declarations.test_tenant_list import _expected
from tests.support.factories import (
    PASSWORD,
    group,
    import_organisations,
    make_user,
    organisation_data,
)

DEPARTEMENTS = ("01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12")
LAST = ("MARTIN", "MARTINEZ", "DUBOIS", "LEMARTIN", "ROUX")
FIRST = ("Jean", "Céline", "Marc", "Lætitia")


async def test_a_search_over_many_pairs_pages_like_a_plain_filter(api):
    # given: 12 pairs of 25 tenants with a few last names (groups of ~60 rows), a member of
    # ten of them
    data = organisation_data("PAIRES", [("CONVENTIONNE", d, 25) for d in DEPARTEMENTS])
    for i, tenant in enumerate(t for h in data["housings"] for t in h["tenants"]):
        tenant["lastName"], tenant["firstName"] = LAST[i % 5], FIRST[(i // 5) % 4]
    await import_organisations(api, data)
    org = await Organisation.get(name="PAIRES")
    groups = [await group(org, "conventionne", d) for d in DEPARTEMENTS[:10]]
    assert len(groups) > ARM_PHRASES
    await make_user(api, org, "PAIRES.DIX", groups=groups)
    token = await api.login("PAIRES.DIX", PASSWORD)
    texts = {t.id: search_text(t, t.housing) for t in
             await Tenant.filter(organisation_id=org.id).select_related("housing")}
    readable = await _expected("PAIRES.DIX", org)
    number = next(iter(texts.values())).split()[-2]
    for term in ("martin", "MARTINEZ", "celine", "laetitia", "Ville 03", number, "03000",
                 "martin jean", "zzz"):
        expected = _plain_filter(readable, texts, term, None)
        # when: every page of 7 rows
        ids, total, exact = await _searched(api, token, 7, {"search": term})
        # then
        assert ids == expected, term
        assert (total, exact) == (len(expected), True), term
    # when: 20 callers at once ask for the pages of a last name
    expected = _plain_filter(readable, texts, "MARTIN", None)
    pages = await asyncio.gather(*(_searched(api, token, 13, {"search": "MARTIN"})
                                   for _ in range(20)))
    # then
    assert all(ids == expected for ids, _, _ in pages)
    assert len(expected) > 60
