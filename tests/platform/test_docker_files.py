"""docker/ cannot be built here (no engine): these checks read the files as Docker would."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_build_context_leaves_out_secrets_and_local_state():
    ignored = {
        line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    # var/ holds mail files with passwords; .venv and .git are large and local.
    assert {".git", ".venv", "var"} <= ignored


def test_image_copies_every_package_and_checks_its_health():
    dockerfile = (ROOT / "docker" / "Dockerfile").read_text()
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["hatch"]["build"][
        "targets"]["wheel"]["packages"]
    for package in packages:
        assert f"COPY {package} {package}" in dockerfile
    assert "HEALTHCHECK" in dockerfile and "/health" in dockerfile


def test_compose_holds_no_secret_and_checks_the_service():
    text = (ROOT / "docker" / "compose.yaml").read_text()
    compose = yaml.safe_load(text)
    for service in compose["services"].values():
        for name, value in (service.get("environment") or {}).items():
            if re.search("PASSWORD|SECRET", name):
                assert re.fullmatch(r"\$\{\w+:\?[^}]+\}", str(value)), name
    url = compose["services"]["app"]["environment"]["DATABASE_URL"]
    assert "${POSTGRES_PASSWORD:?" in url
    assert "/health" in " ".join(compose["services"]["app"]["healthcheck"]["test"])
    assert compose["services"]["app"]["environment"]["GRAPHIQL"] == "false"
