from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from samforlop.audit.models import log_access
from samforlop.careplan.models import Measure
from samforlop.checkins import actions, chart
from samforlop.checkins.access import get_checkin_for_user, get_training_session_for_user
from samforlop.checkins.forms import (
    AppointmentRequestForm, CheckinForm, EnrolForm, ReplyForm, ScheduleForm, TrainingSessionForm,
)
from samforlop.checkins.models import CheckIn, CheckinSchedule, FollowUpEnrolment, TrainingSession
from samforlop.checkins.questionnaire import all_questionnaires, get_questionnaire
from samforlop.core import clock, ids
from samforlop.core.forms import show_refusal
from samforlop.core.decorators import staff_required
from samforlop.patients.access import get_patient_for_user
from samforlop.patients.models import Category
from samforlop.portal.views import patient_required


def _activity_names(patient):
    latest = CheckIn.objects.filter(patient=patient, questionnaire="functional_scale").first()
    return [a["name"] for a in (latest.answers.get("activity") or [])] if latest else []


def score_series(checkins):
    """Each score over time, oldest first, for the chart and its table."""
    series = {}
    for c in sorted(checkins, key=lambda c: c.submitted_at):
        questionnaire = get_questionnaire(c.questionnaire)
        for s in questionnaire.scores:
            entry = series.setdefault(f"{c.questionnaire}.{s.key}",
                                      chart.Series(key=f"{c.questionnaire}.{s.key}", name=str(s.name), points=[]))
            entry.points.append((clock.oslo_date(c.submitted_at), c.scores.get(s.key)))
    return chart.build([s for s in series.values() if any(v is not None for _, v in s.points)])


# --- The patient's own pages -------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
@patient_required
def checkin(request, questionnaire_key):
    if questionnaire_key not in all_questionnaires():
        raise Http404()
    now = clock.now()
    patient = request.user.patient
    questionnaire = get_questionnaire(questionnaire_key)
    current_work = None
    if questionnaire.asks_work_situation:
        from samforlop.work.actions import current_situation

        current_work = current_situation(patient)
    form = CheckinForm(request.POST or None, questionnaire=questionnaire, activity_names=_activity_names(patient),
                       work_situation=current_work)
    if request.method == "POST" and form.is_valid():
        try:
            done = actions.submit_checkin(patient=patient, questionnaire_key=questionnaire_key, answers=form.answers(),
                                          actor=request.user, now=now, submission_id=form.cleaned_data["submission_id"],
                                          work_situation=form.work_situation())
            return redirect("portal:checkin_done", checkin_id=done.pk)
        except ValidationError as e:
            form.show_refusal(e)
    return render(request, "checkins/form.html", {"questionnaire": questionnaire, "form": form},
                  status=400 if request.method == "POST" else 200)


@require_http_methods(["GET"])
@patient_required
def checkin_done(request, checkin_id):
    """What happens next, in plain words, after a check-in."""
    done = get_checkin_for_user(request.user, checkin_id, what="checkin", now=clock.now())
    task = done.tasks.select_related("organisation").first()
    return render(request, "checkins/done.html", {"checkin": done, "task": task,
                                                  "questionnaire": get_questionnaire(done.questionnaire)})


@require_http_methods(["GET"])
@patient_required
def my_checkins(request):
    now = clock.now()
    patient = request.user.patient
    checkins = list(CheckIn.objects.filter(patient=patient))
    log_access(user=request.user, what="portal_checkins", at=now, patients=[patient])
    return render(request, "checkins/mine.html", {
        "checkins": checkins, "series": score_series(checkins), "questionnaires": all_questionnaires().values(),
        "due": CheckinSchedule.objects.filter(patient=patient, active=True, next_due_on__lte=clock.oslo_date(now)),
    })


@require_http_methods(["GET", "POST"])
@patient_required
def appointment(request):
    """“I need an appointment”: no referral needed."""
    now = clock.now()
    patient = request.user.patient
    form = AppointmentRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            task = actions.request_appointment(patient=patient, reason=form.cleaned_data["reason"], actor=request.user,
                                               now=now, submission_id=form.cleaned_data["submission_id"])
            return render(request, "checkins/appointment_sent.html", {"task": task})
        except ValidationError as e:
            show_refusal(form, e)
    return render(request, "checkins/appointment.html", {"form": form},
                  status=400 if request.method == "POST" else 200)


@require_http_methods(["GET", "POST"])
@patient_required
def training(request):
    """My training diary: log sessions of the programmes in my plan; read the answers."""
    now = clock.now()
    patient = request.user.patient
    measures = list(Measure.objects.filter(plan__patient=patient, is_training_programme=True)
                    .select_related("person", "organisation").prefetch_related("sessions__replied_by"))
    form = TrainingSessionForm(request.POST or None, initial={"done_on": clock.oslo_date(now)})
    if request.method == "POST":
        measure = ids.posted_object(request, "measure", Measure.objects.filter(plan__patient=patient))
        if form.is_valid():
            try:
                actions.log_training_session(measure=measure, actor=request.user, now=now, **form.cleaned_data)
                return redirect("portal:training")
            except ValidationError as e:
                show_refusal(form, e)
    log_access(user=request.user, what="portal_training", at=now, patients=[patient])
    return render(request, "checkins/training.html", {"measures": measures, "form": form},
                  status=400 if request.method == "POST" else 200)


# --- The care team's pages ---------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
@staff_required
def patient_checkins(request, patient_id):
    """The patient's check-ins, schedules and follow-up enrolment, for the care team."""
    now = clock.now()
    patient = get_patient_for_user(request.user, patient_id, what="checkins", now=now, category=Category.CHECKINS)
    organisation = request.user.organisation
    is_clinic = organisation.is_specialist_clinic
    schedule_form = ScheduleForm(questionnaires=all_questionnaires().values(),
                                 initial={"first_due_on": clock.oslo_date(now)})
    enrol_form = EnrolForm()
    status = 200
    if request.method == "POST":
        if not is_clinic:
            raise PermissionDenied("The clinic schedules check-ins and enrols.")
        form = (EnrolForm(request.POST) if request.POST.get("action") == "enrol"
                else ScheduleForm(request.POST, questionnaires=all_questionnaires().values()))
        if form.is_valid():
            try:
                if isinstance(form, EnrolForm):
                    actions.enrol_in_follow_up(patient=patient, clinic=organisation, actor=request.user, now=now,
                                               **form.cleaned_data)
                else:
                    actions.schedule_checkins(patient=patient, questionnaire_key=form.cleaned_data["questionnaire"],
                                              interval_months=form.cleaned_data["interval_months"],
                                              first_due_on=form.cleaned_data["first_due_on"], actor=request.user, now=now)
                return redirect("checkins:patient", patient_id=patient.pk)
            except ValidationError as e:
                show_refusal(form, e)
        schedule_form, enrol_form = (schedule_form, form) if isinstance(form, EnrolForm) else (form, enrol_form)
        status = 400
    checkins = list(CheckIn.objects.filter(patient=patient))
    for c in checkins:
        c.title = get_questionnaire(c.questionnaire).title
    return render(request, "checkins/patient.html", {
        "patient": patient, "checkins": checkins, "series": score_series(checkins), "is_clinic": is_clinic,
        "schedules": CheckinSchedule.objects.filter(patient=patient, active=True),
        "enrolment": FollowUpEnrolment.objects.filter(patient=patient, active=True).select_related("medical_contact").first(),
        "schedule_form": schedule_form, "enrol_form": enrol_form,
        "sessions": TrainingSession.objects.filter(measure__plan__patient=patient).select_related("measure", "replied_by"),
        "reply_form": ReplyForm(),
    }, status=status)


@require_http_methods(["POST"])
@staff_required
def reply(request, session_id):
    now = clock.now()
    session = get_training_session_for_user(request.user, session_id, what="training_reply", now=now)
    patient = session.measure.plan.patient
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            actions.reply_to_training_session(session=session, reply=form.cleaned_data["reply"], actor=request.user, now=now)
        except ValidationError as e:
            raise PermissionDenied(" ".join(e.messages))
    return redirect("checkins:patient", patient_id=patient.pk)
