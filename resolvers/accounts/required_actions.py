"""What a user must still do before the service opens to them (the restricted first session)."""

from __future__ import annotations

from enum import Enum

from models import User


class RequiredAction(Enum):
    COMPLETE_PROFILE = "COMPLETE_PROFILE"
    SET_PASSWORD = "SET_PASSWORD"
    ACCEPT_USAGE_RULES = "ACCEPT_USAGE_RULES"
    ACCEPT_TERMS = "ACCEPT_TERMS"


# An organisation's letter: nobody exists yet, everything is to do.
ALL_ACTIONS = list(RequiredAction)


def required_actions(user: User) -> list[RequiredAction]:
    pending = {
        RequiredAction.COMPLETE_PROFILE: user.profile_completed_at is None,
        RequiredAction.SET_PASSWORD: user.must_change_password,
        RequiredAction.ACCEPT_USAGE_RULES: user.usage_rules_accepted_at is None,
        RequiredAction.ACCEPT_TERMS: user.terms_accepted_at is None,
    }
    return [action for action, missing in pending.items() if missing]


def pending_names(user: User | None) -> tuple[str, ...]:
    """The codes of what is left, for a session of `user` (None: the letter's session)."""
    return tuple(a.value for a in (required_actions(user) if user else ALL_ACTIONS))
