"""Who is calling: built from the session by the wiring package, read by the guard."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: int | None
    organisation_id: int | None
    agency_role: str | None = None
    # A first-login session may only complete the first login or log out.
    restricted: bool = False
    # What a restricted session must still do (RequiredAction codes), told to the caller.
    required_actions: tuple[str, ...] = ()
    session_id: int | None = None
    via_cookie: bool = False

    @property
    def is_agency(self) -> bool:
        return self.agency_role is not None
