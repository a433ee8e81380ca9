"""Reminders before a repayment plan's deadline: mailed once each, through the outbox and a real
SMTP server, whoever runs the job, however often, and across restarts."""

import asyncio
import subprocess
from datetime import timedelta

from bailleurs.app import create_app
from models import AuditEvent, OutboxMail, RepaymentReminder, User
from models.enums import UserStatus
from resolvers.declarations.repayment_reminders import queue_due_reminders
from resolvers.shared.clock import today
from tests.conftest import serving
from tests.declarations.operations import FOLLOW_UP, SUBMIT
from tests.declarations.repayment_support import (
    deadline_in,
    plan_input,
    report,
    reported_day_for,
    reported_on,
)
from tests.support.declaration_ops import demo_login, month_start
from tests.support.processes import BAILLEURS, REPO, cli_env

ADMIN_MAIL = "claire.martin@lesoliviers.example"  # OLIVIERS.ADMIN, who reports in these tests
SUBJECT = "Rappel : plan d'apurement à transmettre avant le"


async def report_due_on(api, token: str, deadline, amount_cents: int = 90000) -> dict:
    reported = await report(api, token, amount_cents)
    await reported_on(reported["id"], reported_day_for(deadline))
    return reported


async def reminders_mailed(smtp) -> list:
    return [m for m in smtp.mailbox.to(ADMIN_MAIL) if m["Subject"].startswith(SUBJECT)]


async def settle(api, smtp, expected: int) -> list:
    """Every queued mail delivered, and no more than `expected` reminders arrived."""
    api.services.mail_queued.set()
    await smtp.mailbox.wait_for(expected)
    while await OutboxMail.filter(sent_at=None).exists():
        await asyncio.sleep(0.05)
    mailed = await reminders_mailed(smtp)
    assert len(mailed) == expected, [m["Subject"] for m in mailed]
    return mailed


async def test_reminders_go_out_30_then_7_days_before_the_deadline_once_each(api, smtp):
    # given: a plan due in 40 days
    token = await demo_login(api)
    deadline = deadline_in(40)
    reported = await report_due_on(api, token, deadline)
    settings = api.services.settings
    # when / then: the job's clock is its `on` argument
    assert await queue_due_reminders(settings, deadline - timedelta(days=31)) == 0
    assert await queue_due_reminders(settings, deadline - timedelta(days=30)) == 1
    [first] = await settle(api, smtp, 1)
    assert first["Subject"] == f"{SUBJECT} {deadline:%d/%m/%Y}"
    body = first.get_content()
    assert f"au plus tard le {deadline:%d/%m/%Y}, dans 30 jours" in body
    assert "ANTHONY COUTURE, numéro allocataire 580592" in body
    assert "900,00 €" in body and "référence DI" in body
    for days in (29, 20, 8):
        assert await queue_due_reminders(settings, deadline - timedelta(days=days)) == 0
    assert await queue_due_reminders(settings, deadline - timedelta(days=7)) == 1
    for days in (6, 0, -1, -30):
        assert await queue_due_reminders(settings, deadline - timedelta(days=days)) == 0
    second = (await settle(api, smtp, 2))[1]
    assert "dans 7 jours" in second.get_content()
    # and the follow-up lists them, as the audit trail does
    follow = (await api.ok(FOLLOW_UP, {"id": reported["id"]}, token))["repaymentFollowUp"]
    assert [r["daysBefore"] for r in follow["reminders"]] == [30, 7]
    assert {r["deadline"] for r in follow["reminders"]} == {deadline.isoformat()}
    events = await AuditEvent.filter(action="repayment_reminder_queued").order_by("id")
    assert [(e.actor_label, e.target_id, e.after["days_before"]) for e in events] == [
        ("rappels-apurement", reported["id"], 30), ("rappels-apurement", reported["id"], 7)
    ]


async def test_a_run_after_a_long_stop_sends_the_reminder_due_now_not_all_it_missed(api, smtp):
    token = await demo_login(api)
    deadline = deadline_in(40)
    await report_due_on(api, token, deadline)
    assert await queue_due_reminders(api.services.settings, deadline - timedelta(days=3)) == 1
    [mail] = await settle(api, smtp, 1)
    assert "dans 3 jours" in mail.get_content()
    assert await RepaymentReminder.all().values_list("days_before", flat=True) == [7]


async def test_once_the_reporter_has_left_the_organisation_is_reminded(api, smtp):
    token = await demo_login(api)
    deadline = deadline_in(40)
    await report_due_on(api, token, deadline)
    await User.filter(identifier="OLIVIERS.ADMIN").update(status=UserStatus.CLOSED)
    assert await queue_due_reminders(api.services.settings, deadline - timedelta(days=1)) == 1
    api.services.mail_queued.set()
    [mail] = await smtp.mailbox.wait_for(1)
    assert mail["To"] == "gestion@lesoliviers.example" and "demain" in mail.get_content()


async def test_twenty_runs_at_once_mail_each_due_reminder_exactly_once(api, smtp):
    # given: two reports due (30- and 7-day reminders), and four that are not
    token = await demo_login(api)
    due30 = await report_due_on(api, token, deadline_in(20))
    due7 = await report_due_on(api, token, deadline_in(5))
    await report_due_on(api, token, deadline_in(60))  # not yet
    await report_due_on(api, token, today() - timedelta(days=2))  # past its deadline
    await report_due_on(api, token, deadline_in(5), amount_cents=50000)  # not constituted
    planned = await report(api, token, 90000)
    await api.ok(SUBMIT, plan_input(planned["id"], 30000, 3, month_start(0)), token)
    await reported_on(planned["id"], reported_day_for(deadline_in(5)))
    # when: 20 runs of the job at once
    counts = await asyncio.gather(
        *(queue_due_reminders(api.services.settings) for _ in range(20))
    )
    # then: one reminder each, one mail each, whoever got there first
    assert sum(counts) == 2
    rows = await RepaymentReminder.all().values_list("report_id", "days_before")
    assert sorted(rows) == sorted([(int(due30["id"]), 30), (int(due7["id"]), 7)])
    assert await OutboxMail.filter(subject__startswith=SUBJECT).count() == 2
    assert await AuditEvent.filter(action="repayment_reminder_queued").count() == 2
    await settle(api, smtp, 2)
    assert sum(await asyncio.gather(
        *(queue_due_reminders(api.services.settings) for _ in range(20))
    )) == 0


async def test_the_service_finds_due_reminders_after_a_restart_and_never_repeats_them(
    settings, smtp
):
    # given: a reminder became due while no service was running
    async with serving(create_app(settings)) as api:
        token = await demo_login(api)
        await report_due_on(api, token, deadline_in(20))
        assert await RepaymentReminder.all().count() == 0
    # when: the service starts again (its job runs at start-up, with the real clock)
    async with serving(create_app(settings)) as api:
        await settle(api, smtp, 1)
    # then: mailed once, by the first restart; the next one finds it done
    async with serving(create_app(settings)) as api:
        assert await queue_due_reminders(settings) == 0
        await settle(api, smtp, 1)
        assert await RepaymentReminder.all().count() == 1


async def test_two_processes_running_the_job_at_once_mail_each_reminder_once(api, smtp):
    # given: eight reports due
    token = await demo_login(api)
    due = [await report_due_on(api, token, deadline_in(20)) for _ in range(8)]
    # when: two `bailleurs remind-repayment-plans` processes on the same database at once
    env = cli_env(api.services.settings.database_url)
    runs = [subprocess.Popen([BAILLEURS, "remind-repayment-plans"], env=env, cwd=REPO,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)]
    outputs = await asyncio.gather(*(asyncio.to_thread(r.communicate, timeout=120) for r in runs))
    # then: both succeed, and the eight reminders were shared out between them
    assert [r.returncode for r in runs] == [0, 0], outputs
    queued = [int(err.rsplit(":", 1)[1].strip(" .\n")) for _, err in outputs]
    assert sum(queued) == len(due), outputs
    assert await RepaymentReminder.all().count() == len(due)
    await settle(api, smtp, len(due))
