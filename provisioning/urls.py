from django.urls import path

from provisioning import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("filespaces/new/", views.filespace_order, name="filespace_order"),
    path("filespaces/<int:pk>/", views.filespace_detail, name="filespace_detail"),
    path("filespaces/<int:pk>/delete/", views.filespace_delete, name="filespace_delete"),
]
