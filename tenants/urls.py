from django.urls import path

from tenants import views

urlpatterns = [
    path("switch/", views.organisation_switch, name="organisation_switch"),
    path("team/", views.team, name="team"),
    path("team/invite/", views.invitation_create, name="invitation_create"),
    path("team/invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("team/members/<int:pk>/role/", views.member_role, name="member_role"),
    path("team/members/<int:pk>/remove/", views.member_remove, name="member_remove"),
    path("activity/", views.activity, name="activity"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
]
