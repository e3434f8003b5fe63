"""The municipality's collaboration arena (samarbeidsarena): the coordinating unit's pages to run
it, the participating services' read access, and the patient's consent in the portal."""

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from samforlop.accounts.models import Organisation
from samforlop.audit.models import log_access
from samforlop.core import clock, ids
from samforlop.core.decorators import staff_required
from samforlop.core.forms import show_refusal
from samforlop.outreach import actions
from samforlop.outreach.access import (
    arena_patients, arenas_for, get_arena_for_user, get_arena_meeting_for_user,
)
from samforlop.outreach.forms import (
    ArenaForm, ArenaMeetingForm, CaseForm, DecisionForm, HoldArenaMeetingForm, OralConsentForm,
)
from samforlop.outreach.listing import is_coordinating_unit
from samforlop.outreach.models import ArenaCase, ArenaConsent, ArenaMeeting, CollaborationArena
from samforlop.patients.models import OVERVIEW, Patient
from samforlop.portal.views import patient_required


def _arena_fields(data) -> dict:
    return {"name": data["name"], "description": data["description"], "participants": list(data["participants"]),
            "every_weeks": data["every_weeks"], "place": data["place"]}


@require_http_methods(["GET", "POST"])
@staff_required
def arenas(request):
    """The arenas my organisation runs or takes part in; a coordinating unit creates them here."""
    now = clock.now()
    organisation = request.user.organisation
    runs = is_coordinating_unit(request.user)
    form = ArenaForm(request.POST or None, organisation=organisation) if runs else None
    if request.method == "POST":
        if form is None:
            raise Http404()
        if form.is_valid():
            try:
                arena = actions.create_arena(organisation=organisation, actor=request.user, now=now,
                                             submission_id=form.cleaned_data["submission_id"],
                                             **_arena_fields(form.cleaned_data))
                return redirect("outreach:arena", arena_id=arena.pk)
            except ValidationError as e:
                show_refusal(form, e)
    return render(request, "outreach/arenas.html", {
        "arenas": list(arenas_for(request.user).select_related("organisation").prefetch_related("participants")),
        "form": form,
    }, status=400 if request.method == "POST" else 200)


@require_http_methods(["GET", "POST"])
@staff_required
def arena_detail(request, arena_id):
    """An arena: who takes part, how often, its meetings; the coordinating unit schedules the next
    one (the time defaults from the recurrence) and changes the arena."""
    now = clock.now()
    arena = get_arena_for_user(request.user, arena_id, manage=request.method == "POST")
    runs = request.user.organisation_id == arena.organisation_id
    schedule_form = edit_form = None
    if runs:
        schedule_form = ArenaMeetingForm(request.POST if request.POST.get("action") == "schedule" else None,
                                         initial={"starts_at": clock.localtime(actions.next_meeting_start(arena, now)),
                                                  "place": arena.place}, auto_id="id_meeting_%s")
        edit_form = ArenaForm(request.POST if request.POST.get("action") == "edit" else None,
                              organisation=arena.organisation, auto_id="id_arena_%s", initial={
                                  "name": arena.name, "description": arena.description, "place": arena.place,
                                  "every_weeks": arena.every_weeks, "participants": list(arena.participants.all())})
    if request.method == "POST":
        try:
            if request.POST.get("action") == "schedule" and schedule_form.is_valid():
                data = schedule_form.cleaned_data
                meeting = actions.schedule_arena_meeting(arena=arena, starts_at=data["starts_at"], place=data["place"],
                                                         actor=request.user, now=now,
                                                         submission_id=data["submission_id"])
                return redirect("outreach:arena_meeting", meeting_id=meeting.pk)
            if request.POST.get("action") == "edit" and edit_form.is_valid():
                actions.update_arena(arena=arena, actor=request.user, now=now, **_arena_fields(edit_form.cleaned_data))
                return redirect("outreach:arena", arena_id=arena.pk)
        except ValidationError as e:
            show_refusal(schedule_form if request.POST.get("action") == "schedule" else edit_form, e)
    return render(request, "outreach/arena.html", {
        "arena": arena, "runs": runs, "participants": list(arena.participants.all()),
        "upcoming": list(arena.meetings.filter(starts_at__gte=now).order_by("starts_at")),
        "past": list(arena.meetings.filter(starts_at__lt=now).order_by("-starts_at")),
        "schedule_form": schedule_form, "edit_form": edit_form,
        "edit_open": request.POST.get("action") == "edit",
    }, status=400 if request.method == "POST" else 200)


@require_http_methods(["GET", "POST"])
@staff_required
def arena_consents(request, arena_id):
    """The coordinating unit's list of patients who have consented to be discussed in the arena;
    it records consent given orally (finding the patient by identity number) and withdrawals."""
    now = clock.now()
    today = clock.oslo_date(now)
    arena = get_arena_for_user(request.user, arena_id, manage=True)
    form = OralConsentForm(request.POST if request.POST.get("action") == "record" else None)
    if request.method == "POST":
        if request.POST.get("action") == "withdraw":
            consent = ids.posted_object(request, "consent",
                                        ArenaConsent.objects.filter(arena=arena, withdrawn_at__isnull=True))
            actions.withdraw_arena_consent(consent=consent, actor=request.user, now=now)
            return redirect("outreach:arena_consents", arena_id=arena.pk)
        if form.is_valid():
            patient = (Patient.objects.visible_to(request.user, today, OVERVIEW)
                       .filter(national_id=form.cleaned_data["national_id"]).first())
            log_access(user=request.user, what="arena_consents", at=now, patients=[patient] if patient else [],
                       granted=patient is not None)
            if patient is None:
                form.add_error("national_id", _("No patient your service follows has this identity number."))
            else:
                try:
                    actions.give_arena_consent(patient=patient, arena=arena, how=ArenaConsent.How.ORALLY,
                                               actor=request.user, now=now)
                    return redirect("outreach:arena_consents", arena_id=arena.pk)
                except ValidationError as e:
                    show_refusal(form, e)
    consents = list(ArenaConsent.objects.filter(arena=arena, withdrawn_at__isnull=True,
                                                patient__in=arena_patients(arena, request.user).values("pk"))
                    .select_related("patient", "recorded_by").order_by("patient__family_name", "patient__given_name"))
    if consents:
        log_access(user=request.user, what="arena_consents", at=now, patients=[c.patient for c in consents])
    return render(request, "outreach/arena_consents.html", {"arena": arena, "consents": consents, "form": form},
                  status=400 if request.method == "POST" else 200)


@require_http_methods(["GET", "POST"])
@staff_required
def arena_meeting(request, meeting_id):
    """A meeting: the patients to discuss (only those whose consent to this arena is in force),
    decisions that become tasks, and marking it held with the minutes."""
    now = clock.now()
    meeting = get_arena_meeting_for_user(request.user, meeting_id, manage=request.method == "POST")
    arena = meeting.arena
    runs = request.user.organisation_id == arena.organisation_id
    patients = arena_patients(arena, request.user)
    action = request.POST.get("action")
    case_form = decision_form = hold_form = None
    if request.method == "POST":
        try:
            if action == "case":
                case_form = CaseForm(request.POST, patients=_addable(meeting, patients))
                if case_form.is_valid():
                    data = case_form.cleaned_data
                    actions.add_arena_case(meeting=meeting, patient=patients.filter(pk=data["patient"]).first()
                                           if data["patient"] else None, what=data["what"], actor=request.user,
                                           now=now, submission_id=data["submission_id"])
                    return redirect("outreach:arena_meeting", meeting_id=meeting.pk)
            elif action == "decision":
                decision_form = DecisionForm(request.POST, services=_services(arena))
                if decision_form.is_valid():
                    data = decision_form.cleaned_data
                    actions.record_arena_decision(
                        meeting=meeting, patient=patients.filter(pk=data["patient"]).first(), text=data["text"],
                        organisation=data["organisation"], due_on=data["due_on"], actor=request.user, now=now,
                        submission_id=data["submission_id"])
                    return redirect("outreach:arena_meeting", meeting_id=meeting.pk)
            elif action == "hold":
                hold_form = HoldArenaMeetingForm(request.POST)
                if hold_form.is_valid():
                    actions.hold_arena_meeting(meeting=meeting, actor=request.user, now=now, **hold_form.cleaned_data)
                    return redirect("outreach:arena_meeting", meeting_id=meeting.pk)
            else:
                raise Http404()
        except ValidationError as e:
            show_refusal(case_form or decision_form or hold_form, e)
    return _render_meeting(request, meeting, now, runs=runs, patients=patients, case_form=case_form,
                           decision_form=decision_form, hold_form=hold_form,
                           status=400 if request.method == "POST" else 200)


def _services(arena) -> list:
    """The arena's organisations (those who can be responsible for a decision), by name."""
    return list(Organisation.objects.filter(Q(pk=arena.organisation_id) | Q(arenas_participating=arena))
                .distinct().order_by("name"))


def _addable(meeting, patients) -> list:
    """Consenting patients not yet on the meeting's list."""
    on_list = meeting.cases.values("patient_id")
    return list(patients.exclude(pk__in=on_list).order_by("family_name", "given_name"))


def _render_meeting(request, meeting, now, *, runs, patients, case_form, decision_form, hold_form, status):
    arena = meeting.arena
    refused = [f for f in (case_form, decision_form, hold_form) if f is not None and f.errors]
    cases = list(meeting.cases.filter(patient__in=patients.values("pk")).select_related("patient", "added_by"))
    decisions = list(meeting.decisions.filter(patient__in=patients.values("pk"))
                     .select_related("organisation", "task", "decided_by"))
    for case in cases:
        case.decisions = [d for d in decisions if d.patient_id == case.patient_id]
        case.decision_form = None
    shown = [case.patient for case in cases]
    addable = []
    scheduled = meeting.status == ArenaMeeting.Status.SCHEDULED
    if runs and scheduled:
        addable = _addable(meeting, patients)
        shown += addable
        case_form = case_form or CaseForm(patients=addable)
    else:
        case_form = None
    if runs and meeting.status != ArenaMeeting.Status.CANCELLED:
        services = _services(arena)
        for case in cases:
            if decision_form is not None and str(decision_form.data.get("patient")) == str(case.patient_id):
                decision_form.auto_id = f"id_{case.patient_id.hex}_%s"
                case.decision_form = decision_form
            else:
                case.decision_form = DecisionForm(services=services, initial={"patient": case.patient_id},
                                                  auto_id=f"id_{case.patient_id.hex}_%s")
    hold_form = (hold_form or HoldArenaMeetingForm(initial={"held_on": clock.oslo_date(now)})) if runs and scheduled else None
    shown_forms = {case_form, hold_form, *(case.decision_form for case in cases)}
    # A refusal whose form is not on the page (e.g. the patient withdrew meanwhile) is shown at the top.
    unshown = [str(m) for f in refused if f not in shown_forms for ms in f.errors.values() for m in ms]
    if shown:
        log_access(user=request.user, what="arena_meeting", at=now, patients=shown)
    return render(request, "outreach/arena_meeting.html", {
        "meeting": meeting, "arena": arena, "runs": runs, "cases": cases, "case_form": case_form,
        "hold_form": hold_form, "has_addable": bool(addable), "unshown": unshown,
    }, status=status)


@require_http_methods(["GET", "POST"])
@patient_required
def my_arena(request):
    """The arenas of my municipality I can be discussed in: I consent, or withdraw, per arena."""
    now = clock.now()
    patient = request.user.patient
    arenas_here = CollaborationArena.objects.filter(organisation__municipality=patient.municipality)
    consents = {c.arena_id: c for c in ArenaConsent.objects.filter(patient=patient, withdrawn_at__isnull=True)}
    error = None
    if request.method == "POST":
        arena = ids.posted_object(request, "arena", arenas_here.select_related("organisation"))
        try:
            if request.POST.get("action") == "consent":
                actions.give_arena_consent(patient=patient, arena=arena, how=ArenaConsent.How.PORTAL,
                                           actor=request.user, now=now)
            elif request.POST.get("action") == "withdraw" and arena.pk in consents:
                actions.withdraw_arena_consent(consent=consents[arena.pk], actor=request.user, now=now)
            return redirect("outreach:my_arena")
        except ValidationError as e:
            error = " ".join(e.messages)
    log_access(user=request.user, what="portal_arena", at=now, patients=[patient])
    arena_list = list(arenas_here.select_related("organisation").prefetch_related("participants"))
    for arena in arena_list:
        arena.consent = consents.get(arena.pk)
    upcoming = list(ArenaCase.objects.filter(
        patient=patient, meeting__status=ArenaMeeting.Status.SCHEDULED, meeting__starts_at__gte=now,
        meeting__arena_id__in=list(consents)).select_related("meeting__arena").order_by("meeting__starts_at"))
    return render(request, "outreach/my_arena.html", {"arenas": arena_list, "upcoming": upcoming, "error": error},
                  status=400 if error else 200)
