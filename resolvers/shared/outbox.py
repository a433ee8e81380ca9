"""Mail is written to the outbox inside the business transaction; a sender delivers it later."""

from __future__ import annotations

from models import OutboxMail
from models.enums import MailChannel
from resolvers.shared.clock import now


async def queue_mail(
    recipient: str, subject: str, body: str, channel: MailChannel = MailChannel.EMAIL
) -> OutboxMail:
    return await OutboxMail.create(
        channel=channel, recipient=recipient, subject=subject, body=body, next_attempt_at=now()
    )


def credentials_block(identifier: str, password: str) -> str:
    """Credentials on lines of their own, as every credential mail must carry them."""
    return f"Identifiant : {identifier}\nMot de passe provisoire : {password}\n"


def wake_sender(services) -> None:  # noqa: ANN001 - resolvers.shared.context.Services
    """Wake the sender at once; call it after the transaction that queued mail has committed."""
    services.mail_queued.set()
