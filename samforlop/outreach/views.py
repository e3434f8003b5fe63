"""The outreach list (oppsøkende oppfølging) and recording an outreach."""

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from samforlop.audit.models import log_access
from samforlop.core import clock
from samforlop.core.decorators import staff_required
from samforlop.core.forms import show_refusal
from samforlop.outreach import actions, listing
from samforlop.outreach.access import get_outreach_patient_for_user
from samforlop.outreach.forms import MonthsForm, OutreachForm
from samforlop.outreach.rules import get_rules
from samforlop.patients.models import Patient

PAGE_SIZE = 50


def _row_form(row, months, data=None):
    return OutreachForm(data, initial={"reasons": row.kinds, "months": months},
                        auto_id=f"id_{row.patient.pk.hex}_%s")


@require_GET
@staff_required
def outreach_list(request):
    """Patients to reach out to, each with every reason in words, earlier attempts and a form to
    record the outreach and its result. The user chooses the number of months without contact."""
    now = clock.now()
    today = clock.oslo_date(now)
    months_form = MonthsForm(request.GET if "months" in request.GET else None)
    months = months_form.chosen()
    candidates = listing.candidates_for(request.user, today)
    reasons = listing.reasons_for(candidates, months=months, today=today)
    page = Paginator(listing.ordered(reasons), PAGE_SIZE).get_page(request.GET.get("page"))
    patients = {p.pk: p for p in candidates.filter(pk__in=list(page.object_list))}
    rows = [listing.Row(patients[pid], reasons[pid]) for pid in page.object_list if pid in patients]
    listing.attach_attempts(rows)
    for row in rows:
        row.form = _row_form(row, months)
    if rows:
        log_access(user=request.user, what="outreach_list", at=now, patients=[row.patient for row in rows])
    return render(request, "outreach/list.html", {
        "rows": rows, "page": page, "months": months, "months_form": months_form, "total": len(reasons),
        "is_unit": listing.is_coordinating_unit(request.user),
    }, status=400 if months_form.is_bound and not months_form.is_valid() else 200)


def _months(value) -> int:
    try:
        months = int(value)
    except (TypeError, ValueError):
        return get_rules().default_months
    return months if months in get_rules().month_choices else get_rules().default_months


@require_http_methods(["GET", "POST"])
@staff_required
def outreach_patient(request, patient_id):
    """One patient on the outreach list: the reasons, the attempts so far, and the form (the list's
    row forms post here; a refused one is shown here with what was typed)."""
    now = clock.now()
    today = clock.oslo_date(now)
    patient = get_outreach_patient_for_user(request.user, patient_id, what="outreach_patient", now=now)
    months = _months(request.POST.get("months") or request.GET.get("months"))
    reasons = listing.reasons_for(Patient.objects.filter(pk=patient.pk), months=months, today=today)
    row = listing.Row(patient, reasons.get(patient.pk, []))
    form = _row_form(row, months, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.record_outreach(patient=patient, method=data["method"], result=data["result"], note=data["note"],
                                    reasons=data["reasons"], actor=request.user, now=now,
                                    submission_id=data["submission_id"])
            return redirect(f"{reverse('outreach:list')}?months={months}")
        except ValidationError as e:
            show_refusal(form, e)
    listing.attach_attempts([row])
    row.form = form
    return render(request, "outreach/patient.html", {"row": row, "months": months},
                  status=400 if request.method == "POST" else 200)
