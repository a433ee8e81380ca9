"""The receipt PDF: its content, and who may fetch it."""

import shutil
import subprocess
from datetime import UTC, datetime

import pytest

from bailleurs.demo import DEMO_LOGINS
from models import RentDeclaration
from resolvers.accounts.sessions import COOKIE_NAME
from resolvers.shared import french
from tests.accounts.operations import LOGIN
from tests.support.declaration_ops import demo_login, started
from tests.support.receipts import fetch, pdf_text, transmitted


async def test_the_receipt_repeats_the_recapitulatif(api):
    # given
    token = await demo_login(api)
    declaration = await transmitted(api, token)
    row = await RentDeclaration.get(id=int(declaration["id"]))
    # when
    response = await fetch(api, declaration["receiptUrl"], token)
    # then
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert "DL2026-171842" in response.headers["content-disposition"]
    text = pdf_text(response.content)
    for expected in (
        "LES OLIVIERS",
        "OLIVIERS140001",
        "ISABELLE BRISSON",
        "171842",
        "20 RUE DOYEN MORIERE 14000 CAEN",
        "10/07/2012",
        "Déclaration du loyer de 07/2026",
        "Toujours gestionnaire du logement",
        "Oui",
        "Locataire toujours présent",
        "Colocation",
        "Non",
        "Loyer hors charges de 07/2026",
        "328,75 €",
        "45,00 €",
        "Montant de l'impayé",
        "1 234,56 €",
        "Impayé depuis le",
        "05/08/2026",
        "Numéro de référence",
        "DL2026-171842",
        "Transmise le",
        french.moment(row.transmitted_at),
        "CLAIRE MARTIN",
        "Signalement d'impayé",
        "accusé de transmission à la Caf",
    ):
        assert expected in text, expected
    for line in declaration["summary"]["lines"]:
        label, _, value = line.partition(" : ")
        assert label in text and value in text, line


async def test_the_receipt_renders_to_an_image(api, tmp_path):
    if shutil.which("pdftoppm") is None:
        pytest.skip("poppler-utils is not installed")
    token = await demo_login(api)
    declaration = await transmitted(api, token)
    response = await fetch(api, declaration["receiptUrl"], token)
    (tmp_path / "receipt.pdf").write_bytes(response.content)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "60",
            "-f",
            "1",
            "-l",
            "1",
            str(tmp_path / "receipt.pdf"),
            str(tmp_path / "page"),
        ],
        check=True,
    )
    page = next(tmp_path.glob("page*.png"))
    assert page.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and page.stat().st_size > 10_000


async def test_the_receipt_is_readable_with_the_session_cookie(api):
    await demo_login(api)  # loads the demo data
    login = await api.post(LOGIN, {"identifier": "OLIVIERS.ADMIN",
                                   "password": DEMO_LOGINS["OLIVIERS.ADMIN"]})
    cookie = login.cookies[COOKIE_NAME]  # the HttpOnly session cookie the login set
    declaration = await transmitted(api, login.json()["data"]["login"]["token"])
    response = await api.client.get(declaration["receiptUrl"],
                                    headers={"Cookie": f"{COOKIE_NAME}={cookie}"})
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


async def test_anyone_who_may_not_read_it_gets_404(api):
    # given: DUPONT (privé) is outside OLIVIERS.AGENT's conventionné 14 habilitation
    token = await demo_login(api)
    dupont = await started(api, token, "DUPONT")
    brisson = await transmitted(api, token)
    draft = await started(api, token, "COUTURE")
    agent = await api.login("OLIVIERS.AGENT", DEMO_LOGINS["OLIVIERS.AGENT"])
    # when / then
    assert (await fetch(api, dupont["receiptUrl"], token)).status_code == 200
    assert (await fetch(api, dupont["receiptUrl"], agent)).status_code == 404
    assert (await fetch(api, brisson["receiptUrl"], agent)).status_code == 200
    assert (await fetch(api, f"/receipts/{draft['id']}.pdf", token)).status_code == 404
    assert (await fetch(api, "/receipts/999999.pdf", token)).status_code == 404
    assert (await fetch(api, "/receipts/abc.pdf", token)).status_code == 404
    missing = await fetch(api, brisson["receiptUrl"])
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_amounts_are_in_french_format():
    assert french.euros(32875) == "328,75 €"
    assert french.euros(123456) == "1 234,56 €"
    assert french.euros(5) == "0,05 €"
    moment = french.moment(datetime(2026, 7, 1, 8, 5, tzinfo=UTC))
    assert moment == "01/07/2026 à 10:05"  # shown in Paris time (UTC+2 in summer)
