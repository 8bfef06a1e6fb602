"""The order form: parsing only; the rules live in services.filespace_order_validate."""

from django import forms

from provisioning.models import StorageOption
from provisioning.selectors import storage_option_list


class StorageOptionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: StorageOption) -> str:
        return obj.label


class FilespaceOrderForm(forms.Form):
    name = forms.CharField(
        max_length=63,
        help_text="Lowercase letters, digits and hyphens; at least 2 characters.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "pattern": "[a-z0-9-]{2,63}"}),
    )
    storage_option = StorageOptionChoiceField(
        queryset=StorageOption.objects.none(), label="Storage", empty_label=None
    )
    endpoint = forms.CharField(
        max_length=255,
        required=False,
        help_text="Only for Zadara, Cloudian and other S3-compatible storage "
        "(e.g. s3.example.com:443).",
    )
    bucket = forms.CharField(
        max_length=63,
        required=False,
        help_text="Optional: LucidLink creates one when left empty.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["storage_option"].queryset = storage_option_list()

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()

    def clean_endpoint(self) -> str:
        return self.cleaned_data["endpoint"].strip()

    def clean_bucket(self) -> str:
        return self.cleaned_data["bucket"].strip()
