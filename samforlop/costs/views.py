"""The patient's cost page (/my/costs/, phone first) and the care team's view of the same year."""

from django.core.exceptions import ValidationError
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from samforlop.audit.models import log_access
from samforlop.careplan.models import Measure
from samforlop.core import clock, ids
from samforlop.core.decorators import staff_required
from samforlop.core.forms import show_refusal
from samforlop.costs import actions
from samforlop.costs.access import get_co_payment_for_user
from samforlop.costs.forms import CoPaymentForm, VoidForm
from samforlop.costs.rules import FIRST_YEAR, LAST_YEAR
from samforlop.costs.summary import co_payments_for, summary_for
from samforlop.patients.access import get_patient_for_user
from samforlop.patients.models import Category
from samforlop.portal.views import patient_required


def _year(request, today) -> int:
    """`?year=YYYY`, else this year."""
    raw = request.GET.get("year", "")
    return int(raw) if raw.isdigit() and FIRST_YEAR <= int(raw) <= LAST_YEAR else today.year


def _plan_measures(patient):
    return Measure.objects.filter(plan__patient=patient).order_by("title", "pk")


def _void_auto_id(co_payment_id) -> str:
    return f"id_void{co_payment_id.hex[:8]}_%s"


def costs_context(patient, year: int, today, forms=None) -> dict:
    """The year's summary, its items, the voided entries and the forms: the same queries whatever
    the number of items."""
    forms = forms or {}
    rows = list(co_payments_for(patient, year))
    live = [c for c in rows if c.voided_at is None]
    for c in live:
        c.void_form = forms.get(("void", c.pk)) or VoidForm(initial={"co_payment": c.pk}, auto_id=_void_auto_id(c.pk))
    summary = summary_for(patient, year, today, co_payments=live)
    return {
        "patient": patient, "year": year, "today": today, "summary": summary,
        "voided": [c for c in rows if c.voided_at is not None and c.paid_on.year == year],
        "register_form": forms.get("register") or CoPaymentForm(measures=_plan_measures(patient),
                                                                initial={"paid_on": today}),
        "first_year": FIRST_YEAR, "last_year": LAST_YEAR,
    }


def _change(request, patient, now, *, what: str, done_url: str):
    """A POST from a cost page: register a co-payment or void one. The redirect on success, else the
    refused form (to show with status 400) and the year to show."""
    action = request.POST.get("action")
    if action == "register":
        form = CoPaymentForm(request.POST, measures=_plan_measures(patient))
        if form.is_valid():
            try:
                co_payment = actions.register_co_payment(patient=patient, actor=request.user, now=now,
                                                         **form.cleaned_data)
                return redirect(f"{done_url}?year={co_payment.paid_on.year}"), None, None
            except ValidationError as e:
                show_refusal(form, e)
        year = form.cleaned_data["paid_on"].year if form.cleaned_data.get("paid_on") else None
        return None, {"register": form}, year
    if action == "void":
        co_payment_id = ids.posted_id(request, "co_payment")
        co_payment = get_co_payment_for_user(request.user, co_payment_id, what=what, now=now, patient=patient)
        form = VoidForm(request.POST, auto_id=_void_auto_id(co_payment.pk))
        if form.is_valid():
            try:
                actions.void_co_payment(co_payment=co_payment, reason=form.cleaned_data["reason"],
                                        actor=request.user, now=now)
                return redirect(f"{done_url}?year={co_payment.paid_on.year}"), None, None
            except ValidationError as e:
                show_refusal(form, e)
        return None, {("void", co_payment.pk): form}, co_payment.paid_on.year
    return HttpResponseBadRequest("Unknown action"), None, None


@require_http_methods(["GET", "POST"])
@patient_required
def mine(request):
    """My costs: the year's co-payments, paid and planned, against the co-payment ceiling; register one
    I have paid, or void my wrong entry."""
    now = clock.now()
    today = clock.oslo_date(now)
    patient = request.user.patient
    log_access(user=request.user, what="portal_costs", at=now, patients=[patient])
    year, forms = _year(request, today), None
    if request.method == "POST":
        response, forms, refused_year = _change(request, patient, now, what="portal_costs",
                                                done_url=reverse("costs:mine"))
        if response is not None:
            return response
        year = refused_year or year
    return render(request, "costs/mine.html", costs_context(patient, year, today, forms),
                  status=400 if request.method == "POST" else 200)


@require_http_methods(["GET", "POST"])
@staff_required
def for_patient(request, patient_id):
    """The patient's co-payments for the care team; staff may register one the patient tells them about."""
    now = clock.now()
    today = clock.oslo_date(now)
    patient = get_patient_for_user(request.user, patient_id, what="costs", now=now,
                                   category=Category.PLAN_AND_MEETINGS)
    year, forms = _year(request, today), None
    if request.method == "POST":
        response, forms, refused_year = _change(request, patient, now, what="costs",
                                                done_url=reverse("costs:patient", args=[patient.pk]))
        if response is not None:
            return response
        year = refused_year or year
    return render(request, "costs/patient.html", costs_context(patient, year, today, forms),
                  status=400 if request.method == "POST" else 200)
