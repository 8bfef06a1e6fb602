"""The command line, its environment variables, the state file and the access log."""

import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
import requests

from lucidsim.cli import config_from_args
from tests.fixtures.simulator import REPO_ROOT, SimulatorProcess

OPTIONS = (
    "host", "port", "client-id", "client-secret", "token-lifetime", "domain",
    "provisioning-delay", "disabled-regions", "error-pattern", "seed", "db", "fail-rate",
    "rate-limit-rate", "retry-after-style", "retry-after", "latency",
    "drop-after-commit-rate", "wholesale-price-gb-month", "wholesale-price-user-month",
)  # fmt: skip


@pytest.fixture
def clean_env(monkeypatch):
    for name in list(os.environ):
        if name.startswith(("LUCIDSIM_", "LUCIDLINK_")):
            monkeypatch.delenv(name)
    return monkeypatch


def test_help_lists_every_option_with_its_environment_variable_but_never_the_secret():
    env = {"LUCIDSIM_CLIENT_SECRET": "super-secret-value", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-m", "lucidsim", "--help"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    text = " ".join(result.stdout.split())  # argparse wraps lines

    for option in OPTIONS:
        assert f"--{option}" in text
        assert f"LUCIDSIM_{option.upper().replace('-', '_')}" in text
    assert "super-secret-value" not in result.stdout


def test_defaults(clean_env):
    config = config_from_args([])

    assert (config.host, config.port) == ("127.0.0.1", 8765)
    assert (config.client_id, config.client_secret) == ("dev-client", "dev-secret")
    assert config.domain == "portal-demo"
    assert config.db == Path("var/lucidsim.sqlite3")
    assert config.seed == 1
    assert config.faults.provisioning_delay == 5
    assert config.faults.error_pattern == "^fail-"
    assert config.faults.token_lifetime == 3600
    assert config.faults.fail_rate == 0
    assert "dev-secret" not in repr(config)


def test_environment_sets_options_and_the_command_line_wins(clean_env):
    clean_env.setenv("LUCIDSIM_PORT", "9001")
    clean_env.setenv("LUCIDSIM_FAIL_RATE", "0.5")
    clean_env.setenv("LUCIDSIM_DISABLED_REGIONS", "us-east-1,IBM:eu-de")
    clean_env.setenv("LUCIDSIM_WHOLESALE_PRICE_GB_MONTH", "0.7")

    config = config_from_args(["--port", "9002", "--retry-after-style", "date"])

    assert config.port == 9002
    assert config.faults.fail_rate == 0.5
    assert config.faults.retry_after_style == "date"
    assert config.faults.disabled_regions == ("us-east-1", "IBM:eu-de")
    assert config.wholesale_price_gb_month == Decimal("0.7")


def test_client_credentials_fall_back_to_the_portal_variables(clean_env):
    clean_env.setenv("LUCIDLINK_CLIENT_ID", "portal-id")
    clean_env.setenv("LUCIDLINK_CLIENT_SECRET", "portal-secret")
    assert (config_from_args([]).client_id, config_from_args([]).client_secret) == (
        "portal-id",
        "portal-secret",
    )

    clean_env.setenv("LUCIDSIM_CLIENT_ID", "sim-id")
    assert config_from_args([]).client_id == "sim-id"


@pytest.mark.parametrize(
    "argv",
    [
        ["--fail-rate", "1.5"],
        ["--retry-after-style", "weeks"],
        ["--error-pattern", "("],
        ["--domain", "No_Good"],
        ["--latency", "-1"],
        ["--wholesale-price-gb-month", "cheap"],
    ],
)
def test_invalid_options_exit_with_a_usage_error(clean_env, argv, capsys):
    with pytest.raises(SystemExit) as exc:
        config_from_args(argv)
    assert exc.value.code == 2


def test_state_file_is_created_with_its_parent_directories(tmp_path):
    process = SimulatorProcess(tmp_path)
    process.db_path = tmp_path / "deep" / "er" / "state.sqlite3"
    process.options["db"] = process.db_path
    process.start()
    try:
        assert process.db_path.is_file()
    finally:
        process.stop()


def test_access_log_has_one_line_per_request_without_tokens_or_secrets(simulator):
    token = simulator.token()
    requests.get(f"{simulator.api_url}/domains", headers={"Authorization": token}, timeout=10)
    requests.get(
        f"{simulator.api_url}/filespaces",
        params={"qualifiedName": "x.y"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )

    log = simulator.process.log_path.read_text()

    assert token not in log
    assert simulator.client_secret not in log
    assert re.search(r"GET /api/v1/domains 200 \d+\.\dms trace=[0-9a-f]{32}\n", log)
    assert re.search(r"POST /oauth2/token 200 \d+\.\dms", log)
    assert "qualifiedName" not in log
