"""The whole repository passes `ruff check`: a lint finding fails CI like a failing test."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_ruff_check_passes_on_the_whole_repository():
    # The ruff of the project's environment, with the settings of pyproject.toml (run from ROOT).
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--output-format", "concise", "."],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, f"ruff check found problems:\n{result.stdout}{result.stderr}"
