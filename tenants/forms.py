"""Forms of the tenants app: the organisation part of signup."""

from django import forms


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
