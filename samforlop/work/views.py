"""Work-oriented follow-up: the care team's work page for a patient, the patient's own work page,
and letters to the employer (written with the patient, printed only with the patient's consent)."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from samforlop.accounts.models import Organisation, User
from samforlop.audit.models import log_access
from samforlop.core import clock
from samforlop.core.decorators import staff_required
from samforlop.core.forms import show_refusal
from samforlop.patients.access import get_patient_for_user
from samforlop.patients.models import CareTeamMember, Category, active_on
from samforlop.portal.views import patient_required
from samforlop.tasks.models import Task
from samforlop.work import actions
from samforlop.work.access import get_employer_letter_for_user
from samforlop.work.forms import (
    AgreementForm, ApproveLetterForm, CoordinatorForm, DraftLetterForm, LetterForm, TaskForm, WorkSituationForm,
    letter_initial, situation_initial,
)
from samforlop.work.models import EmployerLetter, WorkplaceAgreement, WorkSituation
from samforlop.work.rules import get_rules


def _situations(patient):
    return list(WorkSituation.objects.filter(patient=patient).select_related("recorded_by")[:50])


def _agreements(patient):
    rules = get_rules()
    agreements = list(WorkplaceAgreement.objects.filter(patient=patient).select_related("recorded_by"))
    for a in agreements:
        a.adjustment_names = [str(rules.adjustment(k).name) for k in a.adjustments if rules.adjustment(k)]
    return agreements


def work_context(patient, now) -> dict:
    """What the work page shows: the situation now and before, the return-to-work coordinator and
    how often they follow up, agreed workplace measures, the coordinator's tasks and the letters."""
    today = clock.oslo_date(now)
    situations = _situations(patient)
    coordinator = actions.current_coordinator(patient, today)
    follow_up = actions.current_follow_up(patient, coordinator)
    return {
        "patient": patient, "today": today, "situation": situations[0] if situations else None,
        "situations": situations, "coordinator": coordinator, "follow_up": follow_up,
        "every_weeks": follow_up.every_weeks if follow_up else get_rules().default_every_weeks,
        "agreements": _agreements(patient),
        "tasks": list(Task.objects.filter(patient=patient, source=Task.Source.RETURN_TO_WORK)
                      .select_related("organisation", "person").order_by("-status", "due_on", "created_at")),
        "letters": list(EmployerLetter.objects.filter(patient=patient).select_related("created_by")),
    }


def _team(patient, today):
    members = list(CareTeamMember.objects.filter(active_on(today), patient=patient).values_list("organisation_id",
                                                                                                flat=True))
    organisations = Organisation.objects.filter(pk__in=set(members)).order_by("name")
    people = (User.objects.filter(organisation__in=organisations, is_active=True).select_related("organisation")
              .order_by("organisation__name", "first_name", "last_name"))
    return organisations, people


def _render_patient_page(request, patient, now, forms=None, status=200):
    context = work_context(patient, now)
    today = context["today"]
    forms = forms or {}
    organisations, people = _team(patient, today)
    coordinator = context["coordinator"]
    if coordinator is not None:
        initial = {"organisation": coordinator.organisation_id, "person": coordinator.person_id,
                   "every_weeks": context["every_weeks"],
                   "note": context["follow_up"].note if context["follow_up"] else ""}
    else:
        default_organisation, default_person = actions.default_coordinator(patient, today)
        initial = {"organisation": default_organisation.pk if default_organisation else None,
                   "person": default_person.pk if default_person else None, "every_weeks": context["every_weeks"]}
    context.update({
        "situation_form": forms.get("situation") or WorkSituationForm(initial=situation_initial(context["situation"])),
        "coordinator_form": forms.get("coordinator") or CoordinatorForm(organisations=organisations, people=people,
                                                                        initial=initial),
        "agreement_form": forms.get("agreement") or AgreementForm(initial={"agreed_on": today}),
        "task_form": forms.get("task") or TaskForm(initial={
            "due_on": today + dt.timedelta(weeks=context["every_weeks"])}),
        "draft_form": forms.get("letter") or DraftLetterForm(),
    })
    return render(request, "work/patient.html", context, status=status)


@require_GET
@staff_required
def patient_work(request, patient_id):
    """The work section of a patient, for staff who may see it (NAV only with the patient's consent)."""
    now = clock.now()
    patient = get_patient_for_user(request.user, patient_id, what="work", now=now, category=Category.WORK)
    return _render_patient_page(request, patient, now)


@require_POST
@staff_required
def change(request, patient_id, what):
    """Every change from the work page: the situation, the coordinator, an agreement, a task, a letter."""
    now = clock.now()
    patient = get_patient_for_user(request.user, patient_id, what="work_change", now=now, category=Category.WORK)
    today = clock.oslo_date(now)
    actor = request.user
    form = None
    try:
        if what == "situation":
            form = WorkSituationForm(request.POST)
            if form.is_valid():
                actions.record_work_situation(patient=patient, source=WorkSituation.Source.COORDINATOR, actor=actor,
                                              now=now, **form.cleaned_data)
                return redirect("work:patient", patient_id=patient.pk)
        elif what == "coordinator":
            organisations, people = _team(patient, today)
            form = CoordinatorForm(request.POST, organisations=organisations, people=people)
            if form.is_valid():
                actions.name_return_to_work_coordinator(patient=patient, actor=actor, now=now, **form.cleaned_data)
                return redirect("work:patient", patient_id=patient.pk)
        elif what == "agreement":
            form = AgreementForm(request.POST)
            if form.is_valid():
                actions.record_workplace_agreement(patient=patient, actor=actor, now=now, **form.cleaned_data)
                return redirect("work:patient", patient_id=patient.pk)
        elif what == "task":
            form = TaskForm(request.POST)
            if form.is_valid():
                actions.assign_return_to_work_task(patient=patient, actor=actor, now=now, **form.cleaned_data)
                return redirect("work:patient", patient_id=patient.pk)
        elif what == "letter":
            form = DraftLetterForm(request.POST)
            if form.is_valid():
                letter = actions.draft_employer_letter(patient=patient, actor=actor, now=now,
                                                       submission_id=form.cleaned_data["submission_id"])
                return redirect("work:letter", patient_id=patient.pk, letter_id=letter.pk)
        else:
            raise PermissionDenied("Unknown change")
    except ValidationError as e:
        show_refusal(form, e)
    return _render_patient_page(request, patient, now, forms={what: form}, status=400)


def _letter_page_context(letter, form, approve_form=None):
    content = actions.letter_content(actions.letter_snapshot(letter))
    release = letter.releases.filter(ended_at__isnull=True).select_related("consented_by").first()
    return {"letter": letter, "patient": letter.patient, "content": content, "form": form,
            "approve_form": approve_form, "release": release,
            "releases": list(letter.releases.select_related("consented_by", "ended_by"))}


@require_http_methods(["GET", "POST"])
@staff_required
def letter(request, patient_id, letter_id):
    """A letter to the employer: read it as it will print, and change it with the patient."""
    now = clock.now()
    letter = get_employer_letter_for_user(request.user, letter_id, what="employer_letter", now=now,
                                          patient_id=patient_id)
    form = LetterForm(request.POST or None, with_diagnosis=False, initial=letter_initial(letter))
    if request.method == "POST" and form.is_valid():
        try:
            actions.change_employer_letter(letter=letter, actor=request.user, now=now, **form.cleaned_data)
            return redirect("work:letter", patient_id=letter.patient_id, letter_id=letter.pk)
        except ValidationError as e:
            show_refusal(form, e)
    return render(request, "work/letter.html", _letter_page_context(letter, form),
                  status=400 if request.method == "POST" else 200)


def _render_print(request, letter, back_url):
    release = letter.releases.filter(ended_at__isnull=True).select_related("consented_by").first()
    return render(request, "work/letter_print.html", {
        "letter": letter, "release": release, "content": actions.letter_content(release.content), "back_url": back_url})


@require_GET
@staff_required
def letter_print(request, patient_id, letter_id):
    """The letter as approved by the patient, for printing; 404 unless the consent is in force."""
    now = clock.now()
    letter = get_employer_letter_for_user(request.user, letter_id, what="employer_letter_print", now=now,
                                          patient_id=patient_id, approved=True)
    return _render_print(request, letter, reverse("work:letter", args=[letter.patient_id, letter.pk]))


# --- The patient's own pages -------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
@patient_required
def mine(request):
    """My work: my work situation (I can update it), and my letters to my employer."""
    now = clock.now()
    patient = request.user.patient
    situations = _situations(patient)
    situation_form = WorkSituationForm(initial=situation_initial(situations[0] if situations else None))
    draft_form = DraftLetterForm()
    status = 200
    if request.method == "POST":
        status = 400
        try:
            if request.POST.get("action") == "letter":
                draft_form = DraftLetterForm(request.POST)
                if draft_form.is_valid():
                    letter = actions.draft_employer_letter(patient=patient, actor=request.user, now=now,
                                                           submission_id=draft_form.cleaned_data["submission_id"])
                    return redirect("work:my_letter", letter_id=letter.pk)
            else:
                situation_form = WorkSituationForm(request.POST)
                if situation_form.is_valid():
                    actions.record_work_situation(patient=patient, source=WorkSituation.Source.PATIENT,
                                                  actor=request.user, now=now, **situation_form.cleaned_data)
                    return redirect("work:mine")
        except ValidationError as e:
            show_refusal(draft_form if request.POST.get("action") == "letter" else situation_form, e)
    log_access(user=request.user, what="portal_work", at=now, patients=[patient])
    today = clock.oslo_date(now)
    coordinator = actions.current_coordinator(patient, today)
    return render(request, "work/mine.html", {
        "patient": patient, "situation": situations[0] if situations else None, "situations": situations,
        "situation_form": situation_form, "draft_form": draft_form, "coordinator": coordinator,
        "follow_up": actions.current_follow_up(patient, coordinator), "agreements": _agreements(patient),
        "letters": list(EmployerLetter.objects.filter(patient=patient)),
    }, status=status)


def _diagnosis_label(patient) -> str:
    from samforlop.offers.models import DiagnosisGroup

    return str(DiagnosisGroup(patient.diagnosis_group).label) if patient.diagnosis_group in DiagnosisGroup.values else ""


@require_http_methods(["GET", "POST"])
@patient_required
def my_letter(request, letter_id):
    """My letter to my employer: see it exactly as it will print, change what is included,
    approve it with my consent, or withdraw my consent."""
    now = clock.now()
    letter = get_employer_letter_for_user(request.user, letter_id, what="employer_letter", now=now)
    initial = letter_initial(letter)
    if not letter.include_diagnosis:
        initial["diagnosis_text"] = _diagnosis_label(letter.patient)  # offered, never included unless chosen
    action = request.POST.get("action") if request.method == "POST" else None
    form = LetterForm(request.POST if action == "change" else None, with_diagnosis=True, initial=initial)
    approve_form = ApproveLetterForm(request.POST if action == "approve" else None,
                                     initial={"revision": letter.revision})
    if request.method == "POST":
        try:
            if action == "withdraw":
                actions.withdraw_employer_letter_consent(letter=letter, actor=request.user, now=now)
                return redirect("work:my_letter", letter_id=letter.pk)
            if action == "approve" and approve_form.is_valid():
                actions.approve_employer_letter(letter=letter, actor=request.user, now=now,
                                                **approve_form.cleaned_data)
                return redirect("work:my_letter", letter_id=letter.pk)
            if action == "change" and form.is_valid():
                actions.change_employer_letter(letter=letter, actor=request.user, now=now, **form.cleaned_data)
                return redirect("work:my_letter", letter_id=letter.pk)
        except ValidationError as e:
            show_refusal(approve_form if action == "approve" else form, e)
    return render(request, "work/my_letter.html", _letter_page_context(letter, form, approve_form),
                  status=400 if request.method == "POST" else 200)


@require_GET
@patient_required
def my_letter_print(request, letter_id):
    now = clock.now()
    letter = get_employer_letter_for_user(request.user, letter_id, what="employer_letter_print", now=now,
                                          approved=True)
    return _render_print(request, letter, reverse("work:my_letter", args=[letter.pk]))
