"""Forms of the tenants app: the organisation part of signup, teams and invitations."""

from django import forms

from tenants.models import Membership


class OrganisationSignupForm(forms.Form):
    """Extra fields allauth adds to its signup form; the adapter creates the customer."""

    organisation = forms.CharField(
        label="Organisation name",
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )

    def clean_organisation(self) -> str:
        value = self.cleaned_data["organisation"].strip()
        if not value:
            raise forms.ValidationError("Enter the name of your organisation.")
        return value

    def signup(self, request, user) -> None:
        """Called by allauth after the user is saved; the adapter did the real work."""


class InvitationForm(forms.Form):
    email = forms.EmailField(widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    role = forms.ChoiceField(choices=Membership.Role.choices, initial=Membership.Role.MEMBER)

    def __init__(self, *args, may_grant_owner: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not may_grant_owner:
            self.fields["role"].choices = [
                choice for choice in Membership.Role.choices if choice[0] != Membership.Role.OWNER
            ]


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Membership.Role.choices)


class InvitationSignupForm(forms.Form):
    """Choosing a password when accepting an invitation without an account."""

    password1 = forms.CharField(
        label="Password", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label="Password (again)",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", "The two passwords differ.")
        return data
