"""Passwords: argon2 hashing, the strength rule, generated provisional passwords."""

from __future__ import annotations

import asyncio
import secrets
import string
from functools import lru_cache
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from resolvers.shared.errors import Invalid

if TYPE_CHECKING:  # annotations only: settings reach this layer through the context
    from bailleurs.settings import Settings

_ALPHABET = string.ascii_letters + string.digits
_SYMBOLS = "!#$%&*+-=?@_"


@lru_cache(maxsize=4)
def hasher(time_cost: int, memory_kib: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)


def hash_password(settings: Settings, password: str) -> str:
    return hasher(settings.argon2_time_cost, settings.argon2_memory_kib).hash(password)


def verify_password(settings: Settings, password_hash: str | None, password: str) -> bool:
    h = hasher(settings.argon2_time_cost, settings.argon2_memory_kib)
    try:
        return password_hash is not None and h.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# Verified against when no account matches, so that unknown identifiers cost the same time.
@lru_cache(maxsize=4)
def _decoy(time_cost: int, memory_kib: int) -> str:
    return hasher(time_cost, memory_kib).hash(secrets.token_urlsafe(16))


def burn_time(settings: Settings, password: str) -> None:
    decoy = _decoy(settings.argon2_time_cost, settings.argon2_memory_kib)
    verify_password(settings, decoy, password)


# argon2 takes ~0.15 s at the default cost and releases the GIL: run it in a worker thread so
# that one login does not stall every other request of the process.
async def hash_in_thread(settings: Settings, password: str) -> str:
    return await asyncio.to_thread(hash_password, settings, password)


async def verify_in_thread(settings: Settings, password_hash: str | None, password: str) -> bool:
    if password_hash is None:  # same cost as a real check
        await burn_time_in_thread(settings, password)
        return False
    return await asyncio.to_thread(verify_password, settings, password_hash, password)


async def burn_time_in_thread(settings: Settings, password: str) -> None:
    await asyncio.to_thread(burn_time, settings, password)


def strength_rule(settings: Settings) -> str:
    return (
        f"Le mot de passe doit contenir au moins {settings.password_min_length} caractères, "
        "dont une minuscule, une majuscule, un chiffre et un caractère spécial."
    )


def check_strength(settings: Settings, password: str, field: str = "newPassword") -> None:
    ok = (
        len(password) >= settings.password_min_length
        and any(c.islower() for c in password)
        and any(c.isupper() for c in password)
        and any(c.isdigit() for c in password)
        and any(not c.isalnum() for c in password)
    )
    if not ok:
        raise Invalid({field: strength_rule(settings)})


def generate_password(length: int = 16) -> str:
    """A provisional password that itself satisfies the strength rule."""
    while True:
        body = [secrets.choice(_ALPHABET) for _ in range(length - 2)]
        body += [secrets.choice(_SYMBOLS), secrets.choice(string.digits)]
        secrets.SystemRandom().shuffle(body)
        candidate = "".join(body)
        if any(c.islower() for c in candidate) and any(c.isupper() for c in candidate):
            return candidate


def generate_identifier(prefix: str = "U") -> str:
    alphabet = string.ascii_uppercase + string.digits
    return prefix + "".join(secrets.choice(alphabet) for _ in range(9))
