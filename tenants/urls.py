from django.urls import path

from tenants import views

urlpatterns = [
    path("switch/", views.organisation_switch, name="organisation_switch"),
]
