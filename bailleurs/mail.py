"""The outbox sender: delivers queued mail with aiosmtplib, retrying with backoff.

Each mail is claimed by a conditional UPDATE before it is sent, so several processes never send
the same one; a stable Message-ID lets the receiving side drop the rare resend after a crash
between the SMTP acceptance and the database update. Without SMTP_URL (development), mail is
written to files under var/mail/ instead: bodies carry passwords, logs must not.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from urllib.parse import urlparse

import aiosmtplib
from tortoise.expressions import Q

from bailleurs.settings import Settings
from models import OutboxMail
from models.enums import MailChannel
from resolvers.clock import now
from resolvers.context import Services

log = logging.getLogger("bailleurs.mail")
CLAIM_SECONDS = 60
MAX_BACKOFF_SECONDS = 600


def build_message(settings: Settings, mail: OutboxMail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = mail.recipient
    message["Subject"] = mail.subject
    message["Message-ID"] = make_msgid(idstring=f"outbox-{mail.id}", domain="offre-bailleurs")
    message.set_content(mail.body, charset="utf-8")
    return message


async def _deliver(settings: Settings, mail: OutboxMail) -> None:
    if mail.channel == MailChannel.POST:
        # Letters are printed and posted by the agency's mail room, which reads this file drop.
        target = Path("var/post") / f"{mail.id}.txt"
    elif settings.smtp_url is None:
        target = Path("var/mail") / f"{mail.id}.eml"
    else:
        url = urlparse(settings.smtp_url)
        await aiosmtplib.send(
            build_message(settings, mail),
            hostname=url.hostname or "127.0.0.1",
            port=url.port or 25,
            username=url.username,
            password=url.password,
            start_tls=url.scheme == "smtp+starttls",
            use_tls=url.scheme == "smtps",
            timeout=10,
        )
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(bytes(build_message(settings, mail)))
    log.info("mail written to file", extra={"mail_id": mail.id, "file": str(target)})


async def _claim(mail_id: int) -> bool:
    moment = now()
    return bool(
        await OutboxMail.filter(Q(claimed_until=None) | Q(claimed_until__lt=moment), id=mail_id,
                                sent_at=None)
        .update(claimed_until=moment + timedelta(seconds=CLAIM_SECONDS))
    )


async def send_due(settings: Settings, limit: int = 50) -> int:
    """Send what is due; returns how many were sent."""
    moment = now()
    due = await OutboxMail.filter(
        Q(claimed_until=None) | Q(claimed_until__lt=moment),
        sent_at=None, next_attempt_at__lte=moment,
    ).order_by("id").limit(limit)
    sent = 0
    for mail in due:
        if not await _claim(mail.id):
            continue
        try:
            await _deliver(settings, mail)
        except (TimeoutError, OSError, aiosmtplib.SMTPException) as exc:
            delay = min(settings.mail_retry_base_seconds * 2**mail.attempts, MAX_BACKOFF_SECONDS)
            await OutboxMail.filter(id=mail.id).update(
                attempts=mail.attempts + 1,
                next_attempt_at=now() + timedelta(seconds=delay),
                claimed_until=None,
                last_error=type(exc).__name__,
            )
            log.warning(
                "mail delivery failed", extra={"mail_id": mail.id, "error": type(exc).__name__}
            )
            continue
        await OutboxMail.filter(id=mail.id).update(
            sent_at=now(), attempts=mail.attempts + 1, claimed_until=None
        )
        sent += 1
    return sent


async def run_sender(services: Services) -> None:
    settings = services.settings
    while True:
        # Cleared before sending, so a mail queued meanwhile wakes the next round at once.
        services.mail_queued.clear()
        try:
            await send_due(settings)
        except Exception:  # the sender must outlive a database hiccup
            log.exception("mail sender iteration failed")
        # asyncio.timeout, not wait_for: Python 3.11's wait_for can swallow a cancellation that
        # coincides with the event being set, and the service would never shut down.
        try:
            async with asyncio.timeout(settings.mail_poll_seconds):
                await services.mail_queued.wait()
        except TimeoutError:
            pass
