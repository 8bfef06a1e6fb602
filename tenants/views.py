"""Customer pages about the organisation itself: switching, the team, invitations and
the activity log."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from tenants import selectors, services
from tenants.decorators import membership_required
from tenants.forms import InvitationForm, InvitationSignupForm, RoleForm
from tenants.middleware import SESSION_KEY
from tenants.models import Membership
from tenants.selectors import membership_list

ACTIVITY_PAGE_SIZE = 50


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


# --- Team --------------------------------------------------------------------------------


def _team_context(request, *, invite_form=None):
    membership = request.membership
    customer = membership.customer
    return {
        "customer": customer,
        "members": selectors.member_list(customer=customer),
        "invitations": (
            selectors.invitation_list_open(customer=customer)
            if membership.can_manage_members
            else []
        ),
        "invite_form": invite_form
        or InvitationForm(may_grant_owner=membership.role == Membership.Role.OWNER),
        "roles": Membership.Role.choices,
    }


@membership_required()
def team(request):
    """Everyone sees who is in the organisation; owners and admins manage it here."""
    return render(request, "tenants/team.html", _team_context(request))


def _refused(request, err: Exception) -> None:
    messages.error(request, str(err) if not isinstance(err, ValidationError) else err.messages[0])


@membership_required("can_manage_members")
@require_POST
def invitation_create(request):
    membership = request.membership
    form = InvitationForm(request.POST, may_grant_owner=membership.role == Membership.Role.OWNER)
    if form.is_valid():
        try:
            invitation, _ = services.invitation_create(
                customer=membership.customer,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                actor=request.user,
                actor_membership=membership,
            )
        except services.ActionRefused as err:
            _refused(request, err)
        except ValidationError as err:
            for field, errors in err.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(request, f"Invitation sent to {invitation.email}.")
            return redirect("team")
        if form.errors:
            return render(
                request, "tenants/team.html", _team_context(request, invite_form=form), status=422
            )
        return redirect("team")
    return render(
        request, "tenants/team.html", _team_context(request, invite_form=form), status=422
    )


@membership_required("can_manage_members")
@require_POST
def invitation_revoke(request, pk: int):
    membership = request.membership
    invitation = selectors.invitation_list_open(customer=membership.customer).filter(pk=pk).first()
    if invitation is None:
        raise Http404("No such invitation.")
    try:
        services.invitation_revoke(
            invitation_id=invitation.pk,
            customer=membership.customer,
            actor=request.user,
            actor_membership=membership,
        )
    except services.ActionRefused as err:
        _refused(request, err)
    else:
        messages.success(request, f"The invitation to {invitation.email} is withdrawn.")
    return redirect("team")


@membership_required("can_manage_members")
@require_POST
def member_role(request, pk: int):
    membership = request.membership
    member = selectors.member_get(customer=membership.customer, pk=pk)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a valid role.")
        return redirect("team")
    try:
        services.membership_change_role(
            membership_id=member.pk,
            customer=membership.customer,
            role=form.cleaned_data["role"],
            actor=request.user,
            actor_membership=membership,
        )
    except services.ActionRefused as err:
        _refused(request, err)
    else:
        role = Membership.Role(form.cleaned_data["role"]).label
        messages.success(request, f"{member.user.email} is now {role}.")
    return redirect("team")


@membership_required()
@require_POST
def member_remove(request, pk: int):
    """Owners and admins remove others; anyone may remove themselves (leave)."""
    membership = request.membership
    member = selectors.member_get(customer=membership.customer, pk=pk)
    leaving = member.pk == membership.pk
    try:
        services.membership_remove(
            membership_id=member.pk,
            customer=membership.customer,
            actor=request.user,
            actor_membership=membership,
        )
    except services.ActionRefused as err:
        _refused(request, err)
        return redirect("team")
    if leaving:
        request.session.pop(SESSION_KEY, None)
        messages.success(request, f"You have left {membership.customer.name}.")
        if not membership_list(user=request.user).exists():
            return redirect("account_logout")
        return redirect("dashboard")
    messages.success(request, f"{member.user.email} is removed from the organisation.")
    return redirect("team")


# --- Accepting an invitation ----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def invitation_accept(request, token: str):
    """The link in the invitation email. Signed in: join. Signed out with an account: sign
    in first and come back. Signed out without one: choose a password and join."""
    invitation = selectors.invitation_find(token=token)
    problem = None
    if invitation is None or not invitation.is_open:
        problem = "This invitation link is not valid, or it has been used. Ask for a new one."
    elif invitation.expires_at <= timezone.now():
        problem = "This invitation has expired. Ask for a new invitation."
    if problem:
        return render(request, "tenants/invitation_accept.html", {"problem": problem}, status=410)

    has_account = selectors.account_exists(email=invitation.email)
    signup_form = None
    if request.user.is_authenticated:
        if not selectors.user_has_email(user=request.user, email=invitation.email):
            problem = (
                f"This invitation is for {invitation.email}, but you are signed in as "
                f"{request.user.email}. Sign out, then open the link again."
            )
            return render(
                request,
                "tenants/invitation_accept.html",
                {"problem": problem, "invitation": invitation},
                status=409,
            )
        if request.method == "POST":
            try:
                membership = services.invitation_accept(token=token, user=request.user)
            except services.ActionRefused as err:
                return render(
                    request,
                    "tenants/invitation_accept.html",
                    {"problem": str(err), "invitation": invitation},
                    status=409,
                )
            request.session[SESSION_KEY] = membership.customer_id
            messages.success(request, f"Welcome to {membership.customer.name}.")
            return redirect("dashboard")
    elif not has_account:
        signup_form = InvitationSignupForm(request.POST or None)
        if request.method == "POST" and signup_form.is_valid():
            try:
                user = services.invitation_accept_with_signup(
                    token=token, password=signup_form.cleaned_data["password1"]
                )
            except services.ActionRefused as err:
                return render(
                    request,
                    "tenants/invitation_accept.html",
                    {"problem": str(err), "invitation": invitation},
                    status=409,
                )
            except ValidationError as err:
                for error in err.message_dict.get("password1", err.messages):
                    signup_form.add_error("password1", error)
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                request.session[SESSION_KEY] = invitation.customer_id
                messages.success(request, f"Welcome to {invitation.customer.name}.")
                return redirect("dashboard")
    context = {
        "invitation": invitation,
        "signup_form": signup_form,
        "has_account": has_account,
        "login_url": f"{reverse('account_login')}?next={request.path}",
    }
    status = 422 if signup_form is not None and signup_form.errors else 200
    return render(request, "tenants/invitation_accept.html", context, status=status)


# --- Activity --------------------------------------------------------------------------------


@membership_required()
def activity(request):
    """The organisation's own audit log: who changed what, and when."""
    entries = selectors.activity_list(membership=request.membership)
    page = Paginator(entries, ACTIVITY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "tenants/activity.html", {"page": page, "entries": page.object_list})
