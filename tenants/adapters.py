"""django-allauth hooks: signup creates the organisation and the owner's membership."""

from allauth.account.adapter import DefaultAccountAdapter
from django.db import transaction

from tenants.services import customer_create_with_owner


def user_display(user) -> str:
    """People are known by their email address; the username is internal."""
    return user.email or user.get_username()


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        if not commit:
            return super().save_user(request, user, form, commit=False)
        # The user, the customer and the owner's membership exist together or not at all.
        with transaction.atomic():
            user = super().save_user(request, user, form, commit=True)
            customer_create_with_owner(name=form.cleaned_data["organisation"], user=user)
        return user
