"""Attaches the signed-in user's active membership to the request (no thread-locals)."""

from django.utils.functional import SimpleLazyObject

from tenants.selectors import membership_active

SESSION_KEY = "active_customer_id"


class ActiveMembershipMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.membership = SimpleLazyObject(lambda: _load(request))
        return self.get_response(request)


def _load(request):
    if not request.user.is_authenticated:
        return None
    return membership_active(user=request.user, customer_id=request.session.get(SESSION_KEY))
