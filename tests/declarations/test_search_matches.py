"""Property: whatever the term, rare or so common that its count reaches the cap, a search pages
through exactly the rows a plain filter keeps — the caller's rows (Casbin's own enforce) whose
names, commune, numéro allocataire or postal code contain the normalised term — in the list's
order, each once, with a total capped at SEARCH_COUNT_CAP and said so (issue 14: on PostgreSQL a
rare term is read from the trigram index, a common one from the ordered ranges)."""

from __future__ import annotations

import os
import random

from models import Organisation, RentDeclaration, Tenant
from models.enums import DeclarationState
from models.tenant_copies import normalise, search_text
from policies.vocabulary import Role
from resolvers.declarations.counters import SEARCH_COUNT_CAP
from tests.declarations.counting import PAGE
from tests.declarations.operations import SAVE, START
from tests.declarations.test_tenant_list import _expected
from tests.support.factories import (
    PASSWORD,
    group,
    import_organisations,
    make_user,
    organisation_data,
)

SEED = int(os.environ.get("SEARCH_SEED", "14"))
TERMS = int(os.environ.get("SEARCH_TERMS", "12"))
# More tenants than the cap in the organisation, fewer in the one-pair member's scope.
PAIRS = [("CONVENTIONNE", "14", 700), ("PRIVE", "14", 300), ("CONVENTIONNE", "2A", 250)]
SYLLABLES = ("MAR", "TIN", "BER", "NARD", "DU", "BOIS", "CÉ", "LINE", "LÆ", "TI", "TIA", "BŒ",
             "UF", "É", "TIEN", "NE", "RO", "BERT", "LE", "ROY", "Ü", "LLER", "D'", "O")


def _name(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))


async def _world(api) -> tuple[Organisation, dict[str, str], random.Random]:
    rng = random.Random(SEED)
    data = organisation_data("CHERCHE", PAIRS)
    for housing in data["housings"]:
        for tenant in housing["tenants"]:
            tenant["lastName"], tenant["firstName"] = _name(rng), _name(rng).capitalize()
    await import_organisations(api, data, organisation_data("VOISINE", PAIRS[:1]))
    org = await Organisation.get(name="CHERCHE")
    await make_user(api, org, "CHERCHE.ADMIN", roles=(Role.ADMINISTRATEUR,))
    await make_user(api, org, "CHERCHE.C14", groups=(await group(org, "conventionne", "14"),))
    await make_user(api, org, "CHERCHE.DEUX", groups=(await group(org, "prive", "14"),
                                                      await group(org, "conventionne", "2A")))
    tokens = {name: await api.login(name, PASSWORD)
              for name in ("CHERCHE.ADMIN", "CHERCHE.C14", "CHERCHE.DEUX")}
    # A few drafts, so that a state filter and a search meet.
    for tenant in rng.sample(await Tenant.filter(organisation_id=org.id).order_by("id"), 30):
        started = await api.ok(START, {"tenantId": str(tenant.id)}, tokens["CHERCHE.ADMIN"])
        await api.ok(SAVE, {"id": started["startRentDeclaration"]["id"],
                            "input": {"stillManager": True}}, tokens["CHERCHE.ADMIN"])
    return org, tokens, rng


def _plain_filter(readable: list[str], texts: dict[int, str], term: str,
                  drafts: set[int] | None) -> list[str]:
    """The caller's rows in the list's order, kept by a plain `in` on their search text."""
    wanted = normalise(term)
    return [i for i in readable if wanted in texts[int(i)]
            and (drafts is None or int(i) in drafts)]


async def _searched(api, token: str, first: int, filter_: dict) -> tuple[list[str], int, bool]:
    ids: list[str] = []
    after, total = None, None
    while True:
        data = (await api.ok(PAGE, {"first": first, "after": after, "filter": filter_},
                             token))["tenants"]
        if total is None:
            total = (data["totalCount"], data["totalCountExact"])
        assert (data["totalCount"], data["totalCountExact"]) == total
        ids += [e["node"]["id"] for e in data["edges"]]
        if not data["pageInfo"]["hasNextPage"]:
            return ids, *total
        after = data["pageInfo"]["endCursor"]


def _terms(rng: random.Random, texts: list[str]) -> list[str]:
    """Pieces of stored texts (rare or common), the commune every row shares, and a miss."""
    terms = ["ville", "ILLE", "Ville 14", "mar", "zzzz", "0000"]
    while len(terms) < TERMS:
        text = rng.choice(texts)
        start = rng.randrange(len(text) - 3)
        piece = text[start:start + rng.randint(3, 8)].strip()
        if len(piece) >= 3:
            terms.append(piece.lower() if rng.random() < 0.5 else piece)
    return terms


async def test_rare_and_common_terms_page_like_a_plain_filter(api):
    # given: 1,250 tenants with random names, three callers, thirty drafts
    org, tokens, rng = await _world(api)
    # The texts made again from each tenant and its housing, as the import makes them.
    texts = {t.id: search_text(t, t.housing) for t in
             await Tenant.filter(organisation_id=org.id).select_related("housing")}
    readable = {identifier: await _expected(identifier, org) for identifier in tokens}
    drafts = set(await RentDeclaration.filter(
        tenant__organisation_id=org.id, state=DeclarationState.BROUILLON).values_list(
        "tenant_id", flat=True))
    assert len(drafts) == 30
    common = 0
    for term in _terms(rng, list(texts.values())):
        for identifier, token in tokens.items():
            for state, kept in ((None, None), ("BROUILLON", drafts),
                                ("NON_SAISI", set(texts) - drafts)):
                expected = _plain_filter(readable[identifier], texts, term, kept)
                # when: every page of the search, in pages of random sizes
                ids, total, exact = await _searched(
                    api, token, rng.choice((20, 50, 100)),
                    {"search": term, "declarationState": state})
                # then: the same rows in the same order, the total capped and said so
                assert ids == expected, (identifier, term, state)
                assert (total, exact) == (min(len(expected), SEARCH_COUNT_CAP),
                                          len(expected) <= SEARCH_COUNT_CAP), (identifier, term)
                common += len(expected) > SEARCH_COUNT_CAP
    assert common >= 4  # the terms common enough to reach the cap were met
