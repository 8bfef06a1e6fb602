from django.urls import include, path
from rest_framework.routers import SimpleRouter

from billing import api, views

router = SimpleRouter()
router.register("invoices", api.InvoiceViewSet, basename="billing-api-invoice")

urlpatterns = [
    path("", views.billing_overview, name="billing_overview"),
    path("usage.csv", views.billing_usage_csv, name="billing_usage_csv"),
    path("invoices.csv", views.billing_invoices_csv, name="billing_invoices_csv"),
    path("invoices/<int:pk>/", views.billing_invoice, name="billing_invoice"),
    path("invoices/<int:pk>/csv", views.billing_invoice_csv, name="billing_invoice_csv"),
    path("filespaces/<int:pk>/", views.billing_filespace_usage, name="billing_filespace_usage"),
    path("api/", include(router.urls)),
]
