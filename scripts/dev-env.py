"""Create .env from .env.example on first run, filling in random development secrets.

Run by `make run`; an existing .env is never overwritten, only completed.
"""

import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GENERATED = {
    "DJANGO_SECRET_KEY": lambda: secrets.token_urlsafe(50),
    "LUCIDLINK_CLIENT_ID": lambda: "dev-" + secrets.token_hex(6),
    "LUCIDLINK_CLIENT_SECRET": lambda: secrets.token_urlsafe(32),
    "DEMO_ADMIN_PASSWORD": lambda: secrets.token_urlsafe(9),
    "DEMO_CUSTOMER_PASSWORD": lambda: secrets.token_urlsafe(9),
}


def main() -> None:
    env_file = ROOT / ".env"
    text = env_file.read_text() if env_file.exists() else (ROOT / ".env.example").read_text()
    present = {
        line.split("=", 1)[0].strip()
        for line in text.splitlines()
        if "=" in line and not line.lstrip().startswith("#")
    }
    added = [f"{key}={make()}" for key, make in GENERATED.items() if key not in present]
    if added or not env_file.exists():
        text = text.rstrip("\n") + "\n\n# Generated for this machine by scripts/dev-env.py\n"
        env_file.write_text(text + "\n".join(added) + "\n")
        env_file.chmod(0o600)


if __name__ == "__main__":
    main()
