"""Staff forms of billing (admin pages)."""

from decimal import Decimal

from django import forms

from billing.periods import Period


class PeriodField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "YYYY-MM, a month in the billing time zone")
        kwargs.setdefault("max_length", 7)
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        try:
            return Period.from_label(value)
        except ValueError as err:
            raise forms.ValidationError(str(err)) from err


class ExportForm(forms.Form):
    KINDS = [("lines", "Invoice lines"), ("readings", "Usage readings")]
    period = PeriodField()
    kind = forms.ChoiceField(choices=KINDS)
    bom = forms.BooleanField(required=False, label="Byte-order mark (for Excel)")


class ReconciliationForm(forms.Form):
    period = PeriodField()
    fx_rate = forms.DecimalField(
        min_value=Decimal("0.000001"),
        max_digits=12,
        decimal_places=6,
        label="Exchange rate (our currency per unit of LucidLink's)",
    )


class CreditNoteForm(forms.Form):
    reason = forms.CharField(max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
    net_amount = forms.DecimalField(
        required=False,
        min_value=Decimal("0.01"),
        max_digits=14,
        decimal_places=2,
        help_text="Before tax. Leave empty to credit the whole invoice.",
    )


class ClosePeriodForm(forms.Form):
    period = PeriodField()
