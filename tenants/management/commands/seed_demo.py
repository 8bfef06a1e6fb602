"""Create (or refresh) a staff superuser and a demo customer, and print how to sign in.

Passwords come from --admin-password / --customer-password, else from the environment
(DEMO_ADMIN_PASSWORD / DEMO_CUSTOMER_PASSWORD, which `make run` writes to .env), else a
random one is made and printed once. Running it again creates nothing new.
"""

import os
import secrets

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from tenants.models import Membership
from tenants.services import customer_create_with_owner

ADMIN_EMAIL = "admin@example.com"
DEMO_EMAIL = "demo@example.com"
DEMO_ORGANISATION = "Demo Media Ltd"


class Command(BaseCommand):
    help = "Create a staff superuser and a demo customer for local development."

    def add_arguments(self, parser):
        parser.add_argument("--admin-password", default=None)
        parser.add_argument("--customer-password", default=None)
        parser.add_argument("--url", default="http://127.0.0.1:8000/")

    @transaction.atomic
    def handle(self, *args, admin_password=None, customer_password=None, url="", **options):
        admin_password = admin_password or os.environ.get("DEMO_ADMIN_PASSWORD")
        customer_password = customer_password or os.environ.get("DEMO_CUSTOMER_PASSWORD")
        User = get_user_model()
        lines = []
        for email, password, staff in (
            (ADMIN_EMAIL, admin_password, True),
            (DEMO_EMAIL, customer_password, False),
        ):
            user = User.objects.filter(email__iexact=email).first()
            created = user is None
            if created:
                user = User(username=email, email=email, is_staff=staff, is_superuser=staff)
            if created or password:
                password = password or secrets.token_urlsafe(12)
                user.set_password(password)
                user.save()
                EmailAddress.objects.update_or_create(
                    user=user, email=email, defaults={"verified": True, "primary": True}
                )
                lines.append(f"  {email:<22} {password}")
            else:
                lines.append(f"  {email:<22} (unchanged; pass a new password to reset it)")
            if not staff and not Membership.objects.filter(user=user).exists():
                customer_create_with_owner(name=DEMO_ORGANISATION, user=user)
        self.stdout.write(
            "\nFilespace Portal is at " + url + "\n"
            "Sign in with (staff admin at "
            + url.rstrip("/")
            + "/admin/):\n"
            + "\n".join(lines)
            + "\n"
        )
