"""The customer's invoices over HTTP, read only: writes answer 405, issued invoices being
immutable; another customer's invoice answers 404."""

from rest_framework import permissions, viewsets

from billing import selectors
from billing.serializers import InvoiceSerializer


class CanSeeBilling(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        membership = getattr(request, "membership", None)
        return bool(membership and membership.can_see_billing)


class InvoiceViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = InvoiceSerializer
    permission_classes = [permissions.IsAuthenticated, CanSeeBilling]

    def get_queryset(self):
        customer = self.request.membership.customer
        return selectors.invoice_list(customer=customer).prefetch_related("lines")
