"""Command line: every option can also be set by an environment variable LUCIDSIM_<NAME>."""

from __future__ import annotations

import argparse
import os
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path

from lucidsim.config import RETRY_AFTER_STYLES, Config, Faults
from lucidsim.rules import RuleError, check_domain_name


def _env(name: str, default: str, *fallbacks: str) -> str:
    for key in (f"LUCIDSIM_{name}", *fallbacks):
        value = os.environ.get(key)
        if value not in (None, ""):
            return value
    return default


def _probability(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return value


def _non_negative(text: str) -> float:
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return value


def _cents(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError("must be a decimal number of cents") from None
    if value < 0 or not value.is_finite():
        raise argparse.ArgumentTypeError("must be a non-negative number of cents")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m lucidsim",
        description=(
            "LucidLink Service API v1 simulator. Every option can also be set by an "
            "environment variable LUCIDSIM_<NAME> (e.g. LUCIDSIM_FAIL_RATE=0.1); "
            "the command line wins."
        ),
    )

    def add(flag: str, help_text: str, default: str, *fallbacks: str, show: bool = True, **kw):
        env_name = flag.lstrip("-").replace("-", "_").upper()
        envs = " or ".join([f"LUCIDSIM_{env_name}", *fallbacks])
        shown = " (default: %(default)s)" if show else ""
        parser.add_argument(
            flag,
            default=_env(env_name, default, *fallbacks),
            help=f"{help_text} [env {envs}]{shown}",
            **kw,
        )

    add("--host", "address to bind", "127.0.0.1")
    add("--port", "port to bind (0 picks a free one)", "8765", type=int)
    add("--client-id", "OAuth2 client id accepted by /oauth2/token", "dev-client",
        "LUCIDLINK_CLIENT_ID")  # fmt: skip
    add("--client-secret", "OAuth2 client secret; never printed (default: dev-secret)",
        "dev-secret", "LUCIDLINK_CLIENT_SECRET", show=False)  # fmt: skip
    add("--token-lifetime", "access token lifetime in seconds", "3600", type=int)
    add("--domain", "the account's domain, created at start if it has none", "portal-demo")
    add("--provisioning-delay", "seconds a new filespace stays 'provisioning'", "5",
        type=_non_negative)  # fmt: skip
    add("--disabled-regions", "comma list of regions (or Provider:region) that answer 422", "")
    add("--error-pattern", "regex; filespaces whose name matches end in status 'error'", "^fail-")
    add("--seed", "seed for ids, generated usage and faults", "1", type=int)
    add("--db", "SQLite file holding the state (parent dirs are created)",
        "var/lucidsim.sqlite3", type=Path)  # fmt: skip
    add("--fail-rate", "probability that an API call answers 5xx", "0", type=_probability)
    add("--rate-limit-rate", "probability that an API call answers 429", "0",
        type=_probability)  # fmt: skip
    add("--retry-after-style", "Retry-After as delta seconds or as an HTTP-date", "seconds",
        choices=RETRY_AFTER_STYLES)  # fmt: skip
    add("--retry-after", "seconds announced in Retry-After", "2", type=int)
    add("--latency", "seconds added to every API call", "0", type=_non_negative)
    add("--drop-after-commit-rate",
        "probability that POST /filespaces stores the filespace, then closes the connection "
        "without answering", "0", type=_probability)  # fmt: skip
    add("--wholesale-price-gb-month", "cents per GB-month of ManagedCapacity (GB = 10^9 B)",
        "2.0", type=_cents)  # fmt: skip
    add("--wholesale-price-user-month", "cents per user-month of FilespaceUsers", "500",
        type=_cents)  # fmt: skip
    return parser


def config_from_args(argv: list[str] | None = None) -> Config:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        faults = Faults().updated(
            {
                "fail_rate": args.fail_rate,
                "rate_limit_rate": args.rate_limit_rate,
                "retry_after_style": args.retry_after_style,
                "retry_after": args.retry_after,
                "latency": args.latency,
                "drop_after_commit_rate": args.drop_after_commit_rate,
                "provisioning_delay": args.provisioning_delay,
                "disabled_regions": args.disabled_regions,
                "error_pattern": args.error_pattern,
                "token_lifetime": args.token_lifetime,
            }
        )
    except ValueError as exc:
        parser.error(str(exc))
    if not args.client_id or not args.client_secret:
        parser.error("client id and client secret must not be empty")
    try:
        check_domain_name(args.domain)
    except RuleError as exc:
        parser.error(f"--domain: {exc}")
    return Config(
        host=args.host,
        port=args.port,
        client_id=args.client_id,
        client_secret=args.client_secret,
        domain=args.domain,
        seed=args.seed,
        db=args.db,
        wholesale_price_gb_month=args.wholesale_price_gb_month,
        wholesale_price_user_month=args.wholesale_price_user_month,
        faults=faults,
    )


def main(argv: list[str] | None = None) -> None:
    from lucidsim.server import serve

    config = config_from_args(argv)
    try:
        serve(config)
    except KeyboardInterrupt:
        print("lucidsim: stopped", file=sys.stderr)
