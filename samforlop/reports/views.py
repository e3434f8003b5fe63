import datetime as dt

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from samforlop.accounts.models import Organisation, User
from samforlop.audit.models import log_access, record_audit
from samforlop.core import clock, ids
from samforlop.core.decorators import staff_required
from samforlop.pathways.definitions import all_definitions
from samforlop.patients.models import HEALTH_PERSONNEL_ONLY, Patient
from samforlop.reports import pathway_times, registry
from samforlop.reports.forms import ReportForm

REPORT_ROLES = (User.Role.LEADER, User.Role.COORDINATOR)


def _clinic_ids(user, scope):
    organisation = user.organisation
    if not organisation.is_specialist_clinic or user.role not in REPORT_ROLES:
        raise PermissionDenied("Reports are for clinic leaders and coordinators.")
    if scope == "trust" and organisation.health_trust:
        return list(Organisation.objects.filter(health_trust=organisation.health_trust,
                                                kind__in=Organisation.SPECIALIST_KINDS).values_list("pk", flat=True))
    return [organisation.pk]


def _bars(cells, width=360, height=150, pad=28):
    """Bars of the share within the limit per period, as SVG geometry (labels carry the numbers)."""
    if not cells:
        return []
    step = (width - 2 * pad) / len(cells)
    bars = []
    for i, cell in enumerate(cells):
        h = (height - 2 * pad) * cell.share
        bars.append({"x": round(pad + i * step + step * 0.15, 1), "w": round(step * 0.7, 1),
                     "y": round(height - pad - h, 1), "h": round(h, 1), "label": f"{round(100 * cell.share)}",
                     "lx": round(pad + i * step + step / 2, 1), "ly": round(height - pad - h - 4, 1),
                     "period": cell.period})
    return bars


@require_GET
@staff_required
def report(request):
    now = clock.now()
    today = clock.oslo_date(now)
    definitions = list(all_definitions().values())
    form = ReportForm(request.GET or None, definitions=definitions, initial={
        "date_from": today.replace(day=1) - dt.timedelta(days=365), "date_to": today, "type": "smerte"})
    _clinic_ids(request.user, "clinic")  # only leaders and coordinators
    result = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        result = pathway_times.build(clinic_ids=_clinic_ids(request.user, data["scope"]), type=data["type"],
                                     date_from=data["date_from"], date_to=data["date_to"],
                                     granularity=data["granularity"], today=today)
        for limit in result.limits:
            limit.bars = _bars(limit.cells)
        what_if = _what_if(request, data["type"], today)
    else:
        what_if = None
    return render(request, "reports/report.html", {"form": form, "report": result, "query": request.GET.urlencode(),
                                                   "what_if": what_if,
                                                   "is_leader": request.user.role == User.Role.LEADER},
                  status=400 if form.is_bound and not form.is_valid() else 200)


def _what_if(request, type, today):
    """The capacity what-if for the user's own clinic: as it is, and with `slots` per week."""
    from samforlop.reports import capacity

    clinic = request.user.organisation
    inputs = capacity.inputs_from_data(clinic, type, today)
    try:
        slots = float(request.GET.get("slots", "")) if request.GET.get("slots") else None
    except ValueError:
        slots = None
    if slots is not None and not 0 <= slots <= 1000:
        slots = None
    as_is = capacity.simulate(inputs, runs=100)
    changed = capacity.simulate(inputs, slots_per_week=slots, runs=100) if slots is not None else None
    predicted, actual = capacity.back_test(clinic, type, today, runs=50)
    return {"inputs": inputs, "queue": len(inputs.queue_waited_days), "as_is": as_is, "changed": changed,
            "slots": slots, "back_test": predicted, "actual": actual}


@require_GET
@staff_required
def drilldown(request):
    """The pathways behind a figure: patients the user may see are listed, the others counted."""
    now = clock.now()
    today = clock.oslo_date(now)
    form = ReportForm(request.GET, definitions=list(all_definitions().values()))
    if not form.is_valid():
        raise PermissionDenied("Bad report parameters")
    data = form.cleaned_data
    rows = pathway_times.drilldown(clinic_ids=_clinic_ids(request.user, data["scope"]), type=data["type"],
                                   limit=request.GET.get("limit", ""), period=request.GET.get("period", ""),
                                   granularity=data["granularity"], date_from=data["date_from"], date_to=data["date_to"])
    visible = set(Patient.objects.visible_to(request.user, today, HEALTH_PERSONNEL_ONLY)
                  .filter(pk__in={r.pathway.patient_id for r in rows}).values_list("pk", flat=True))
    shown = [r for r in rows if r.pathway.patient_id in visible]
    if shown:
        log_access(user=request.user, what="report_drilldown", at=now, patients=[r.pathway.patient for r in shown])
    return render(request, "reports/drilldown.html", {
        "rows": shown, "hidden": len(rows) - len(shown), "limit": request.GET.get("limit"),
        "period": request.GET.get("period")})


@require_GET
@staff_required
def registry_export(request):
    """The registry export from the report page: leaders only; every export is logged."""
    if request.user.role != User.Role.LEADER:
        raise PermissionDenied("The registry export is for users with the reporting role.")
    now = clock.now()
    form = ReportForm(request.GET, definitions=list(all_definitions().values()))
    if not form.is_valid():
        raise PermissionDenied("Bad report parameters")
    data = form.cleaned_data
    fmt = "json" if request.GET.get("format") == "json" else "csv"
    rows = registry.records(data["date_from"], data["date_to"], clinic_ids=_clinic_ids(request.user, data["scope"]))
    patients = list(Patient.objects.filter(national_id__in={r["patient_national_id"] for r in rows}))
    if patients:
        log_access(user=request.user, what="registry_export", at=now, patients=patients)
    record_audit(actor=request.user, action="registry_exported", object_type="reports.registry",
                 object_id=f"{data['date_from']}..{data['date_to']}", at=now, rows=len(rows), format=fmt)
    response = HttpResponse(registry.render(rows, fmt),
                            content_type="application/json" if fmt == "json" else "text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="registry-{data["date_from"]}-{data["date_to"]}.{fmt}"'
    return response


@require_http_methods(["GET", "POST"])
@staff_required
def emergency_review(request):
    """The leader's review list of emergency accesses by the organisation's staff."""
    from django.shortcuts import redirect

    from samforlop.patients.actions import review_emergency_access
    from samforlop.patients.models import EmergencyAccess

    if request.user.role != User.Role.LEADER:
        raise PermissionDenied("Leaders review emergency access.")
    now = clock.now()
    if request.method == "POST":
        access = ids.posted_object(request, "access",
                                   EmergencyAccess.objects.filter(organisation_id=request.user.organisation_id))
        review_emergency_access(access=access, actor=request.user, now=now)
        return redirect("reports:emergency")
    accesses = list(EmergencyAccess.objects.filter(organisation_id=request.user.organisation_id, reviewed_at__isnull=True)
                    .select_related("user", "patient").order_by("granted_at"))
    if accesses:
        log_access(user=request.user, what="emergency_review", at=now, patients=[a.patient for a in accesses])
    return render(request, "reports/emergency.html", {"accesses": accesses})
