"""The outbox sender: delivers queued mail with aiosmtplib, retrying with backoff.

Each mail is claimed by a conditional UPDATE before it is sent, so several processes never send
the same one; a stable Message-ID lets the receiving side drop the rare resend after a crash
between the SMTP acceptance and the database update. Without SMTP_URL (development), mail is
written to files under SPOOL_DIR/mail/ instead: bodies carry passwords, logs must not.
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
from resolvers.shared.clock import now
from resolvers.shared.context import Services

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


class _Courier:
    """Delivers one round of mail: over one SMTP connection, opened at the first mail and opened
    again after a failure (a connection per mail capped delivery at ~200 mails/s), or to files."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._smtp: aiosmtplib.SMTP | None = None

    async def deliver(self, mail: OutboxMail) -> None:
        settings = self._settings
        if mail.channel == MailChannel.POST:
            # Letters are printed and posted by the agency's mail room, which reads this drop;
            # the recipient is a postal address over several lines, not a mail header.
            self._write(Path(settings.spool_dir) / "post" / f"{mail.id}.txt", build_letter(mail))
        elif settings.smtp_url is None:
            eml = bytes(build_message(settings, mail))
            self._write(Path(settings.spool_dir) / "mail" / f"{mail.id}.eml", eml)
        else:
            try:
                smtp = self._smtp or await self._connect()
                await smtp.send_message(build_message(settings, mail))
            except BaseException:
                self.close()
                raise

    async def _connect(self) -> aiosmtplib.SMTP:
        url = urlparse(self._settings.smtp_url or "")
        smtp = aiosmtplib.SMTP(
            hostname=url.hostname or "127.0.0.1",
            port=url.port or 25,
            username=url.username,
            password=url.password,
            start_tls=url.scheme == "smtp+starttls",
            use_tls=url.scheme == "smtps",
            timeout=10,
        )
        await smtp.connect()
        self._smtp = smtp
        return smtp

    @staticmethod
    def _write(target: Path, content: bytes) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        log.info("mail written to file", extra={"file": str(target)})

    def close(self) -> None:
        if self._smtp is not None:
            self._smtp.close()
            self._smtp = None

    async def finish(self) -> None:
        if self._smtp is not None:
            try:
                await self._smtp.quit()
            except (OSError, aiosmtplib.SMTPException, TimeoutError):
                pass  # every mail of the round is already accepted or rescheduled
            finally:
                self.close()


async def _claim(mail_id: int) -> bool:
    moment = now()
    return bool(
        await OutboxMail.filter(Q(claimed_until=None) | Q(claimed_until__lt=moment), id=mail_id,
                                sent_at=None)
        .update(claimed_until=moment + timedelta(seconds=CLAIM_SECONDS))
    )


def build_letter(mail: OutboxMail) -> bytes:
    return f"{mail.recipient}\n\nObjet : {mail.subject}\n\n{mail.body}".encode()


async def _attempt(settings: Settings, courier: _Courier, mail: OutboxMail) -> bool:
    """Deliver one claimed mail; on failure, reschedule it with backoff. True when delivered."""
    try:
        await courier.deliver(mail)
    # Any failure, not only the network's: one mail that cannot be built must not hold back the
    # others of its round, round after round.
    except Exception as exc:
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
        return False
    await OutboxMail.filter(id=mail.id).update(
        sent_at=now(), attempts=mail.attempts + 1, claimed_until=None
    )
    return True


async def send_due(settings: Settings, limit: int = 50) -> int:
    """Send what is due; returns how many were sent."""
    moment = now()
    due = await OutboxMail.filter(
        Q(claimed_until=None) | Q(claimed_until__lt=moment),
        sent_at=None, next_attempt_at__lte=moment,
    ).order_by("id").limit(limit)
    sent = 0
    courier = _Courier(settings)
    try:
        for mail in due:
            if not await _claim(mail.id):
                continue
            if await _attempt(settings, courier, mail):
                sent += 1
    finally:
        await courier.finish()
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
