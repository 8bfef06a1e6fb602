"""Customer pages for filespaces: dashboard, ordering, and one filespace."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from provisioning import selectors, services
from provisioning.connect import connect_steps
from provisioning.forms import FilespaceOrderForm
from tenants.decorators import membership_required


@membership_required()
def dashboard(request):
    customer = request.membership.customer
    filespaces = list(selectors.filespace_list(customer=customer))
    template = (
        "provisioning/_filespace_rows.html" if request.htmx else "provisioning/dashboard.html"
    )
    context = {
        "filespaces": filespaces,
        "customer": customer,
        # Poll only while something is on its way to another status.
        "polling": any(fs.is_changing for fs in filespaces),
    }
    return render(request, template, context)


@membership_required("can_order")
@require_http_methods(["GET", "POST"])
def filespace_order(request):
    membership = request.membership
    customer = membership.customer
    refusal = None
    try:
        services.order_check_allowed(customer=customer, membership=membership, user=request.user)
    except services.OrderRefused as err:
        refusal = str(err)
    form = FilespaceOrderForm(request.POST or None)
    if request.method == "POST" and refusal is None and form.is_valid():
        try:
            filespace = services.filespace_order(
                customer=customer,
                membership=membership,
                user=request.user,
                **form.cleaned_data,
            )
        except services.OrderRefused as err:
            refusal = str(err)
        except ValidationError as err:
            # A double submit: the first click already ordered it; show that order.
            same = selectors.filespace_just_ordered(
                customer=customer, user=request.user, name=form.cleaned_data["name"]
            )
            if same is not None:
                messages.info(request, f"{same.qualified_name} was already ordered.")
                return redirect(same)
            for field, errors in err.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(request, f"{filespace.qualified_name} is ordered.")
            return redirect(filespace)
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "provisioning/order.html",
        {"form": form, "refusal": refusal, "domain": settings.LUCIDLINK_DOMAIN},
        status=status,
    )


@membership_required()
def filespace_detail(request, pk: int):
    filespace = selectors.filespace_get(customer=request.membership.customer, pk=pk)
    context = {
        "filespace": filespace,
        "history": selectors.filespace_history(filespace=filespace),
        "steps": connect_steps(filespace) if filespace.is_usable else [],
    }
    if request.htmx:
        return render(request, "provisioning/_filespace_status.html", context)
    return render(request, "provisioning/filespace_detail.html", context)


@membership_required("can_delete")
@require_http_methods(["GET", "POST"])
def filespace_delete(request, pk: int):
    """Delete a filespace after the person types its name."""
    membership = request.membership
    filespace = selectors.filespace_get(customer=membership.customer, pk=pk)
    refusal = None
    if request.method == "POST":
        try:
            filespace = services.filespace_delete(
                filespace_id=filespace.pk,
                customer=membership.customer,
                membership=membership,
                user=request.user,
                confirm_name=request.POST.get("confirm_name", ""),
            )
        except services.DeletionRefused as err:
            refusal = str(err)
        else:
            if filespace.status == filespace.Status.DELETED:
                messages.success(request, f"{filespace.qualified_name} is deleted.")
                return redirect("dashboard")
            messages.success(
                request,
                f"{filespace.qualified_name} is being deleted at LucidLink; "
                "this page shows when it is done.",
            )
            return redirect(filespace)
    return render(
        request,
        "provisioning/filespace_delete.html",
        {"filespace": filespace, "refusal": refusal},
        status=422 if refusal else 200,
    )
