"""Settings fail at start-up with a message naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from psm.lib.env import Env


def start(**env: str) -> subprocess.CompletedProcess[str]:
    environ = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "SECRET_KEY", "PSM_TESTING")
    }
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-m", "psm.cli", "check"],
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_the_development_key(tmp_path: object) -> None:
    result = start(
        PSM_ENV="production", ALLOWED_HOSTS="psm.example.com", PSM_DATA_DIR=str(tmp_path)
    )
    assert result.returncode != 0
    assert "refusing to start with the development key" in result.stderr


def test_production_starts_with_a_real_key(tmp_path: object) -> None:
    result = start(
        PSM_ENV="production",
        ALLOWED_HOSTS="psm.example.com",
        SECRET_KEY="x" * 50,
        PSM_DATA_DIR=str(tmp_path),
        PSM_BASE_URL="https://psm.example.com",
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("PSM_DEBUG", "maybe", "PSM_DEBUG='maybe' is not a boolean"),
        ("PSM_ENV", "staging", "PSM_ENV='staging' must be one of development, production"),
        ("PSM_BASE_URL", "psm.example.com", "must start with http"),
        ("DATABASE_URL", "nosuchdb://x", "DATABASE_URL is not a usable database URL"),
        ("EMAIL_HOST", "smtp.example.com", ""),
    ],
)
def test_bad_values_name_the_variable(
    name: str, value: str, message: str, tmp_path: object
) -> None:
    extra = {"EMAIL_PORT": "twenty-five"} if name == "EMAIL_HOST" else {}
    result = start(**{name: value, "PSM_DATA_DIR": str(tmp_path), **extra})
    assert result.returncode != 0
    assert (message or "EMAIL_PORT='twenty-five' is not an integer") in result.stderr


def test_secret_from_file(tmp_path: object) -> None:
    from pathlib import Path

    secret = Path(str(tmp_path)) / "key"
    secret.write_text("s3cret\n")
    env = Env({"SECRET_KEY_FILE": str(secret)})
    assert env.string("SECRET_KEY", "dev") == "s3cret"
    assert Env({}).integer("N", 4) == 4
