"""Makes the active membership and the user's organisations available to every template."""

from tenants.selectors import membership_list


def membership(request):
    active = getattr(request, "membership", None)
    if not request.user.is_authenticated:
        return {"membership": None}
    return {
        "membership": active if active else None,
        "memberships": membership_list(user=request.user),
    }
