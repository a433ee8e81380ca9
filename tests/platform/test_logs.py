"""Structured logs: one JSON object per line, and never a secret in them."""

import json
import logging

from bailleurs.demo import DEMO_LOGINS, load_demo
from bailleurs.logs import JsonFormatter
from tests.accounts.operations import LOGIN, ME


async def test_login_leaves_no_secret_in_the_logs(api, caplog):
    # given
    await load_demo(api.services.settings)
    caplog.set_level(logging.INFO)  # the service's level
    password = DEMO_LOGINS["OLIVIERS.ADMIN"]
    # when: a failed login, a successful one, and a request with the token
    await api.error(LOGIN, {"identifier": "OLIVIERS.ADMIN", "password": password + "x"})
    data = await api.ok(LOGIN, {"identifier": "OLIVIERS.ADMIN", "password": password})
    token, csrf = data["login"]["token"], data["login"]["csrfToken"]
    await api.ok(ME, token=token)
    # then
    formatter = JsonFormatter()
    lines = [formatter.format(record) for record in caplog.records]
    assert all(isinstance(json.loads(line), dict) for line in lines)
    text = "\n".join(lines)
    for secret in (password, token, csrf, "$argon2"):
        assert secret not in text
    requests = [json.loads(line) for line in lines if '"logger": "bailleurs.request"' in line]
    assert [(r["path"], r["status"], r["operations"], r["error_codes"]) for r in requests] == [
        ("/graphql", 200, ["Login"], ["UNAUTHENTICATED"]),
        ("/graphql", 200, ["Login"], []),
        ("/graphql", 200, [None], []),
    ]
