import uuid

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Q
from samforlop.core.decorators import staff_required
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from samforlop.audit.models import log_access
from samforlop.core import clock
from samforlop.pathways.definitions import all_definitions
from samforlop.pathways.forms import MilestoneForm, StartPathwayForm
from samforlop.pathways.timeline import build_timeline
from samforlop.patients.access import get_patient_for_user
from samforlop.patients.forms import IdentitySearchForm
from samforlop.patients.models import OVERVIEW, Category, Patient, active_on, needs_consent, shared_categories


def startable_definitions(user):
    organisation = user.organisation
    if organisation is None or not organisation.is_specialist_clinic:
        return []
    return [d for d in all_definitions().values() if organisation.kind in d.clinic_kinds]


def _attach_correction_drafts(events, refused_form):
    """Each event's correction form: a fresh submission id (a double submit stores one
    correction), or, for a refused correction, shown again open with what the user typed."""
    refused = refused_form.data if refused_form is not None else {}
    for event in events:
        if refused.get("event") == event.external_id:
            event.correction_draft = {"open": True, "submission_id": refused.get("submission_id", ""),
                                      "new_date": refused.get("new_date", ""), "reason": refused.get("reason", "")}
        else:
            event.correction_draft = {"submission_id": uuid.uuid4()}


def render_patient_page(request, patient, now, bound_forms=None, start_form=None, status=200,
                        show_identity_number=False):
    """The patient page: pathway timelines and the care team. Access is checked by the caller."""
    today = clock.oslo_date(now)
    bound_forms = bound_forms or {}
    user = request.user
    pathways = list(
        patient.pathways.select_related("clinic").prefetch_related("events__registered_by", "meetings")
        .order_by("-created_at")
    )
    timelines = []
    for pathway in pathways:
        events = sorted(pathway.events.all(), key=lambda e: e.pk)
        timeline = build_timeline(pathway, events, today, settings.AT_RISK_DAYS)
        timeline.can_register = user.organisation_id == pathway.clinic_id and pathway.status == "active"
        timeline.can_correct = user.organisation_id == pathway.clinic_id
        forms = bound_forms.get(pathway.pk, {})
        timeline.milestone_form = forms.get("milestone") or MilestoneForm(pathway=pathway)
        timeline.meetings = [m for m in pathway.meetings.all() if m.status != "cancelled"]
        planned = {m.kind for m in timeline.meetings}
        timeline.schedulable = [m for m in pathway.definition.meetings if m.key not in planned]
        timeline.correction_form = forms.get("correction")
        _attach_correction_drafts(timeline.events, timeline.correction_form)
        timelines.append(timeline)
    care_team = list(patient.care_team.filter(active_on(today)).select_related("organisation", "person"))
    active_types = {p.type for p in pathways if p.status == "active" and p.clinic_id == user.organisation_id}
    definitions = [d for d in startable_definitions(user) if d.key not in active_types]
    if definitions and start_form is None:
        start_form = StartPathwayForm(definitions=definitions, initial={"date": today})
    from samforlop.referrals.models import Consultation, Referral

    # The page is opened with OVERVIEW (any consent in force); each section below is read only
    # with its own category, and the clinical ones only by health personnel.
    shares = {category: True for category in shared_categories(user, patient, today)}
    shares["clinical"] = not needs_consent(user)
    referrals = list(patient.referrals.exclude(
        Q(status=Referral.Status.DRAFT) & ~Q(referring_organisation_id=user.organisation_id)
    ).select_related("clinic").order_by("-created_at")) if shares.get(Category.REFERRAL_AND_ASSESSMENT) else []
    consultations = list(patient.consultations.select_related("clinic").order_by("-asked_at")
                         ) if shares["clinical"] else []
    if not shares.get(Category.PLAN_AND_MEETINGS):
        for timeline in timelines:
            timeline.meetings = []
    return render(request, "patients/detail.html", {
        "patient": patient, "timelines": timelines, "care_team": care_team, "today": today,
        "show_identity_number": show_identity_number,
        "start_form": start_form if definitions else None,
        "referrals": referrals, "consultations": consultations,
        "may_refer": user.organisation is not None and not user.organisation.is_specialist_clinic
        and user.organisation.kind in ("gp_office", "municipal_service"),
        "consultation_statuses": Consultation.Status, "shares": shares,
    }, status=status)


@require_GET
@staff_required
def patient_list(request):
    """The patients the user's organisation serves (a GP's list, a service's caseload), by name."""
    now = clock.now()
    page = Paginator(
        Patient.objects.visible_to(request.user, clock.oslo_date(now), OVERVIEW).order_by("family_name", "given_name", "pk"), 50
    ).get_page(request.GET.get("page"))
    if page.object_list:
        log_access(user=request.user, what="patient_list", at=now, patients=list(page.object_list))
    return render(request, "patients/list.html", {"page": page})


@require_GET
@staff_required
def patient_detail(request, patient_id):
    now = clock.now()
    patient = get_patient_for_user(request.user, patient_id, what="patient_page", now=now, category=OVERVIEW)
    return render_patient_page(request, patient, now)


@require_POST
@staff_required
def show_identity_number(request, patient_id):
    """The whole identity number, on request: the page shows the birth date and masks the rest, so
    the number is not on every screen someone looks over a shoulder at. Showing it is its own
    access-log row; a POST, so the number never lands in a URL or the browser's history."""
    now = clock.now()
    patient = get_patient_for_user(request.user, patient_id, what="identity_number", now=now, category=OVERVIEW)
    return render_patient_page(request, patient, now, show_identity_number=True)


@sensitive_post_parameters("national_id")
@require_http_methods(["GET", "POST"])
@staff_required
def search(request):
    """Find a patient by identity number. A POST, so the number stays out of URLs and server logs."""
    results = None
    form = IdentitySearchForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        now = clock.now()
        results = list(
            Patient.objects.visible_to(request.user, clock.oslo_date(now), OVERVIEW)
            .filter(national_id=form.cleaned_data["national_id"])
        )
        log_access(user=request.user, what="search_identity_number", at=now, patients=results, granted=bool(results))
    from samforlop.patients.forms import EmergencyAccessForm

    return render(request, "patients/search.html", {"form": form, "results": results,
                                                    "emergency_form": EmergencyAccessForm()},
                  status=400 if request.method == "POST" and not form.is_valid() else 200)


@sensitive_post_parameters("national_id")
@require_http_methods(["POST"])
@staff_required
def emergency_access(request):
    """Emergency access (akuttilgang): by identity number and a stated reason, for a few hours."""
    from django.core.exceptions import ValidationError
    from django.shortcuts import redirect

    from samforlop.core.forms import show_refusal
    from samforlop.patients.actions import grant_emergency_access
    from samforlop.patients.forms import EmergencyAccessForm

    now = clock.now()
    form = EmergencyAccessForm(request.POST)
    if form.is_valid():
        patient = Patient.objects.filter(national_id=form.cleaned_data["national_id"]).first()
        if patient is None:
            form.add_error("national_id", _("No patient has this identity number."))
        else:
            try:
                grant_emergency_access(patient=patient, reason=form.cleaned_data["reason"], actor=request.user, now=now)
                return redirect("patients:detail", patient_id=patient.pk)
            except ValidationError as e:
                show_refusal(form, e)
    return render(request, "patients/search.html", {"form": IdentitySearchForm(), "emergency_form": form,
                                                    "results": None}, status=400)
