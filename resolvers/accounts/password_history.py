"""A new password may repeat neither the current one nor one of the last few.

Previous passwords are kept as their argon2 hashes only (the newest `KEPT`). Checking a new
password costs at most `KEPT + 1` hashes, run together in one worker thread like every other
argon2 call, so that the event loop never waits on them.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from models import PasswordHistory, User
from resolvers.accounts.passwords import verify_password
from resolvers.shared.errors import Invalid

if TYPE_CHECKING:  # settings reach this layer through the context
    from bailleurs.settings import Settings

KEPT = 5
REUSED = (
    f"Choisissez un mot de passe différent de l'actuel et des {KEPT} précédents."
)


def _matches_any(settings: Settings, hashes: list[str], password: str) -> bool:
    return any(verify_password(settings, h, password) for h in hashes)


async def ensure_not_reused(
    settings: Settings, user: User, password: str, *, current_known_different: bool = False
) -> None:
    """Refuse `password` when it is the user's current one or one of the last `KEPT`.

    `current_known_different`: the caller just verified the current password in clear and saw
    that the new one differs, so the current hash need not be checked again."""
    hashes = [
        row.password_hash
        for row in await PasswordHistory.filter(user_id=user.id).order_by("-id").limit(KEPT)
    ]
    if user.password_hash and not current_known_different:
        hashes.insert(0, user.password_hash)
    reused = bool(hashes) and await asyncio.to_thread(_matches_any, settings, hashes, password)
    if reused:
        raise Invalid({"newPassword": REUSED})


async def retire(user_id: int, password_hash: str | None) -> None:
    """Keep the replaced password's hash; call inside the transaction that replaces it."""
    if password_hash is None:
        return
    await PasswordHistory.create(user_id=user_id, password_hash=password_hash)
    ids = await PasswordHistory.filter(user_id=user_id).order_by("-id").values_list("id", flat=True)
    if len(ids) > KEPT:
        await PasswordHistory.filter(id__in=ids[KEPT:]).delete()
