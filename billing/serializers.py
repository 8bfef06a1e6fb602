"""Read-only representations of a customer's invoices for the API."""

from rest_framework import serializers

from billing.models import Invoice, InvoiceLine


class InvoiceLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = InvoiceLine
        fields = [
            "position", "filespace_name", "dimension", "description", "quantity", "unit",
            "unit_price", "amount", "starts_at", "ends_at",
        ]  # fmt: skip
        read_only_fields = fields


class InvoiceSerializer(serializers.ModelSerializer):
    lines = InvoiceLineSerializer(many=True, read_only=True)
    credit_for = serializers.SlugRelatedField(slug_field="number", read_only=True)

    class Meta:
        model = Invoice
        fields = [
            "id", "number", "kind", "credit_for", "period_start", "period_end", "currency",
            "tax_rate", "subtotal", "tax", "total", "issued_at", "lines",
        ]  # fmt: skip
        read_only_fields = fields
