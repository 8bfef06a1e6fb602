"""Customer pages about the organisation itself."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from tenants.middleware import SESSION_KEY
from tenants.selectors import membership_list


@login_required
@require_POST
def organisation_switch(request):
    """Work in another of the user's organisations (only their own: others answer 404)."""
    try:
        customer_id = int(request.POST.get("customer", ""))
    except ValueError as err:
        raise Http404 from err
    if not membership_list(user=request.user).filter(customer_id=customer_id).exists():
        raise Http404("No such organisation.")
    request.session[SESSION_KEY] = customer_id
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = "dashboard"
    return redirect(target)
