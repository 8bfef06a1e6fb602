"""View decorators that require a signed-in user working in an organisation."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect


def membership_required(capability: str | None = None):
    """Require an active membership, and optionally one of Membership's `can_*` capabilities."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.membership:
                if request.user.is_staff:
                    return redirect("admin:index")  # provider staff work in the admin
                raise PermissionDenied("You are not a member of any organisation.")
            if capability and not getattr(request.membership, capability):
                raise PermissionDenied("Your role does not allow this.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
