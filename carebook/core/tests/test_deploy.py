"""`manage.py check --deploy` passes with the production settings docs/operations.md gives."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
# How this test makes each secret the docs tell operators to generate.
SECRETS = {
    "SECRET_KEY": lambda: secrets.token_urlsafe(50),
    "CAREBOOK_DOCUMENT_KEYS": lambda: Fernet.generate_key().decode(),
}
SECTION = re.compile(r"^## Production settings\n.*?```sh\n(.*?)```", re.DOTALL | re.MULTILINE)


def documented_production_env() -> dict[str, str]:
    """The NAME=value lines of the first shell block under "## Production settings"."""
    block = SECTION.search((ROOT / "docs" / "operations.md").read_text())
    assert block, "docs/operations.md has no sh block under '## Production settings'"
    env = {}
    for line in block.group(1).splitlines():
        name, _, value = line.partition("#")[0].strip().partition("=")
        if name:
            env[name] = value.strip()
    return env


def test_check_deploy_is_clean_with_the_documented_production_settings(tmp_path):
    documented = documented_production_env()
    assert documented["DEBUG"] == "0"
    assert "$(" in documented["SECRET_KEY"]
    for name, value in documented.items():
        if "$(" in value:  # the docs generate secrets; they never print one
            documented[name] = SECRETS[name]()
    # Only what the docs set: nothing of this (DEBUG=1) test run leaks into the check.
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("SECURE_", "CAREBOOK_", "DJANGO_"))
        and name not in ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL")
    }
    env |= documented | {"CAREBOOK_VAR_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout + result.stderr
