"""Receipts are records: rendered once at transmission, stored with their digest (in the audit
event), served unchanged whatever happens to names and addresses later, verifiable by anyone."""

from __future__ import annotations

import asyncio
import hashlib
import re

from models import AuditEvent, Receipt, Tenant
from tests.declarations.operations import (
    DECLARE_CHANGE,
    REPORT_UNPAID,
    VALIDATE,
    VERIFY_RECEIPT,
)
from tests.support.declaration_ops import days_ago, demo_login, filled, month_start, tenant_id
from tests.support.receipts import STEPS, fetch, pdf_text, transmitted


async def test_the_receipt_is_stored_at_transmission_and_served_as_stored(api):
    token = await demo_login(api)
    declaration = await transmitted(api, token)
    receipt = await Receipt.get(kind="rent", target_id=int(declaration["id"]))
    event = await AuditEvent.get(action="declaration_transmitted")
    assert event.after["receiptSha256"] == receipt.sha256
    assert hashlib.sha256(receipt.pdf).hexdigest() == receipt.sha256
    # The tenant's name and address change after the transmission...
    await Tenant.filter(last_name="BRISSON").update(last_name="DURAND")
    first = await fetch(api, declaration["receiptUrl"], token)
    second = await fetch(api, declaration["receiptUrl"], token)
    # ... the receipt does not: the very bytes stored at transmission, every time.
    assert first.content == second.content == bytes(receipt.pdf)
    assert hashlib.sha256(first.content).hexdigest() == event.after["receiptSha256"]
    assert "BRISSON" in pdf_text(first.content) and "DURAND" not in pdf_text(first.content)


async def test_the_receipt_looks_official_and_carries_its_code(api):
    token = await demo_login(api)
    declaration = await transmitted(api, token)
    receipt = await Receipt.get(kind="rent", target_id=int(declaration["id"]))
    text = pdf_text((await fetch(api, declaration["receiptUrl"], token)).content)
    assert "Caisse d'allocations familiales" in text
    assert "Service Offre bailleurs" in text
    assert receipt.verification_code in text
    assert re.search(r"page 1 sur \d", text)


async def test_anyone_can_verify_a_receipt_without_learning_anything_personal(api):
    token = await demo_login(api)
    declaration = await transmitted(api, token)
    receipt = await Receipt.get(kind="rent", target_id=int(declaration["id"]))
    genuine = await api.ok(VERIFY_RECEIPT, {"r": receipt.reference, "c": receipt.verification_code})
    typed = await api.ok(VERIFY_RECEIPT, {"r": receipt.reference.lower(),
                                  "c": receipt.verification_code.lower().replace("-", "-")})
    wrong = await api.ok(VERIFY_RECEIPT, {"r": receipt.reference, "c": "AAAAA-AAAAA"})
    unknown = await api.ok(VERIFY_RECEIPT, {"r": "DL2026-0000000", "c": receipt.verification_code})
    long = await api.ok(VERIFY_RECEIPT, {"r": "X" * 5000, "c": "Y"})
    check = genuine["verifyReceipt"]
    assert check["genuine"] is True and check["sha256"] == receipt.sha256
    assert check["kind"] == "rent" and check["issuedAt"]
    assert typed["verifyReceipt"]["genuine"] is True
    refused = {"genuine": False, "sha256": None, "kind": None, "issuedAt": None}
    assert wrong["verifyReceipt"] == unknown["verifyReceipt"] == long["verifyReceipt"] == refused


async def test_twenty_parallel_validations_issue_one_receipt(api):
    token = await demo_login(api)
    declaration = await filled(api, token, "BRISSON", STEPS)
    answers = await asyncio.gather(
        *(api.gql(VALIDATE, {"id": declaration["id"]}, token) for _ in range(20))
    )
    succeeded = [a for a in answers if "errors" not in a]
    assert len(succeeded) == 1
    assert {a["errors"][0]["extensions"]["code"] for a in answers if "errors" in a} == {"CONFLICT"}
    assert await Receipt.filter(kind="rent", target_id=int(declaration["id"])).count() == 1
    assert await AuditEvent.filter(action="declaration_transmitted").count() == 1


async def test_changes_and_unpaid_reports_get_receipts_the_same_way(api):
    token = await demo_login(api)
    change = (await api.ok(DECLARE_CHANGE, {"input": {
        "tenantId": await tenant_id("COUTURE"), "kind": "DEPART", "eventDate": days_ago(10)}},
        token))["declareChange"]
    report = (await api.ok(REPORT_UNPAID, {"input": {
        "tenantId": await tenant_id("BRISSON"), "amountOwedCents": 90000, "months": 3,
        "unpaidSince": month_start(4).isoformat(), "rentCents": 30000, "chargesCents": 2000,
        "benefitPaidToLandlord": False}}, token))["reportUnpaidRent"]
    for made, kind, prefix, words in ((change, "change", "DC", "départ du locataire"),
                                      (report, "unpaid", "DI", "Signalement d'impayé")):
        receipt = await Receipt.get(kind=kind, target_id=int(made["id"]))
        assert made["reference"] == receipt.reference and receipt.reference.startswith(prefix)
        served = await fetch(api, made["receiptUrl"], token)
        assert served.status_code == 200 and served.content == bytes(receipt.pdf)
        text = pdf_text(served.content)
        assert words in text and receipt.verification_code in text
        checked = await api.ok(
            VERIFY_RECEIPT, {"r": receipt.reference, "c": receipt.verification_code}
        )
        assert checked["verifyReceipt"]["kind"] == kind
        # An anonymous caller and a made-up kind: the same 404 as a missing receipt.
        assert (await fetch(api, made["receiptUrl"])).status_code == 404
        assert (await fetch(api, f"/receipts/other/{made['id']}.pdf", token)).status_code == 404
    event = await AuditEvent.get(action="change_declared")
    assert event.after["receiptSha256"] == (await Receipt.get(kind="change")).sha256
