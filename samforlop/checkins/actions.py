"""Named operations: submit a check-in (score, triage, tasks), schedule check-ins, enrol in
patient-controlled follow-up, ask for an appointment, the reminders step, and the training diary."""

from __future__ import annotations

import calendar
import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from samforlop.audit.models import record_audit
from samforlop.checkins.models import CheckIn, CheckinSchedule, FollowUpEnrolment, TrainingSession
from samforlop.checkins.questionnaire import (
    all_questionnaires, get_questionnaire, score, too_few_answers, triage, validate_answers,
)
from samforlop.core import clock
from samforlop.messaging.actions import message_language, queue_message
from samforlop.tasks.actions import create_task
from samforlop.tasks.models import Task

SECOND_REMINDER_AFTER_DAYS = 7


class CheckinError(ValidationError):
    pass


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _history(patient, questionnaire_key) -> dict[str, list[float]]:
    earlier = CheckIn.objects.filter(patient=patient, questionnaire=questionnaire_key).order_by("submitted_at")
    history: dict[str, list[float]] = {}
    for checkin in earlier:
        for key, value in checkin.scores.items():
            history.setdefault(key, []).append(value)
    return history


@transaction.atomic
def submit_checkin(*, patient, questionnaire_key: str, answers: dict, actor, now, submission_id,
                   require_schedule: bool = False, work_situation: dict | None = None) -> CheckIn:
    """Store, score and triage a check-in. Sent twice: stored once. Sent again with other answers:
    refused, so that what the clinic acted on is what the patient answered. `require_schedule`
    (an app sending check-ins): only for a questionnaire the patient is scheduled to answer.
    `work_situation` (status, sick_leave_percent, valid_from, valid_to), where the questionnaire
    asks for it: recorded as the patient's work situation when it has changed."""
    existing = CheckIn.objects.filter(submission_id=submission_id).first()
    if existing is not None:
        if existing.answers == answers and existing.patient_id == patient.pk:
            return existing
        raise CheckinError(_("This check-in has already been sent and cannot be changed. "
                             "Start a new check-in if something has changed."), code="already_sent")
    if actor.patient_id != patient.pk:
        raise CheckinError(_("Only the patient answers their check-in."), code="not_the_patient")
    if questionnaire_key not in all_questionnaires():
        raise CheckinError(_("Unknown questionnaire."), code="unknown_questionnaire")
    if require_schedule and not CheckinSchedule.objects.filter(
            patient=patient, questionnaire=questionnaire_key, active=True).exists():
        raise CheckinError(_("You have not been asked to answer this questionnaire."), code="not_scheduled")
    questionnaire = get_questionnaire(questionnaire_key)
    errors = validate_answers(questionnaire, answers)
    if errors:
        raise CheckinError({key: [_("Choose an answer within the scale.")] for key in errors})
    missing = too_few_answers(questionnaire, answers)
    if missing:
        raise CheckinError({key: [_too_few_message(score_, len(items)) for score_, items in [found]]
                            for key, found in missing.items()}, code="too_few_answers")
    scores = score(questionnaire, answers)
    result = triage(questionnaire, answers, scores, _history(patient, questionnaire_key))
    checkin = CheckIn.objects.create(
        patient=patient, questionnaire=questionnaire_key, answers=answers, scores=scores, colour=result.colour,
        explanations=[{"nb": r.explanation.nb, "en": r.explanation.en} for r in result.fired],
        submitted_at=now, submitted_by=actor, submission_id=submission_id)
    if result.colour != "green":
        kind = Task.Kind.OFFER_APPOINTMENT if result.colour == "red" else Task.Kind.PHONE_PATIENT
        with message_language():
            reason = _("%(questionnaire)s: %(why)s") % {
                "questionnaire": questionnaire.title, "why": " ".join(str(r.explanation) for r in result.fired)}
        create_task(patient=patient, kind=kind, source=Task.Source.CHECKIN, reason=reason, now=now, checkin=checkin)
    today = clock.oslo_date(now)
    for schedule in CheckinSchedule.objects.select_for_update().filter(
            patient=patient, questionnaire=questionnaire_key, active=True):
        # Done: the next one is an interval from today; its reminders start afresh.
        schedule.next_due_on = add_months(today, schedule.interval_months)
        schedule.save(update_fields=["next_due_on"])
    record_audit(actor=actor, action="checkin_submitted", obj=checkin, at=now, colour=result.colour)
    if work_situation and questionnaire.asks_work_situation:
        _record_work_situation(checkin, work_situation, actor=actor, now=now)
    return checkin


def _too_few_message(score_, unanswered: int) -> str:
    if score_ is None:
        return str(_("Answer at least one question before you send."))
    if score_.min_answered >= len(score_.items):
        return str(_("Answer this question: “%(score)s” needs every answer.") % {"score": score_.name})
    return str(ngettext("Answer this question: “%(score)s” needs at least %(n)s answer.",
                        "Answer this question: “%(score)s” needs at least %(n)s answers.",
                        score_.min_answered) % {"score": score_.name, "n": score_.min_answered})


def _record_work_situation(checkin, answer: dict, *, actor, now):
    """A changed work situation from the check-in, in its transaction (the same as now: nothing new)."""
    from samforlop.work.actions import record_work_situation
    from samforlop.work.models import WorkSituation

    try:
        record_work_situation(patient=checkin.patient, status=answer.get("status") or "",
                              sick_leave_percent=answer.get("sick_leave_percent"), valid_from=answer.get("valid_from"),
                              valid_to=answer.get("valid_to"), source=WorkSituation.Source.CHECKIN, actor=actor,
                              now=now, checkin=checkin)
    except ValidationError as e:
        # Named as the check-in form names them; the check-in is not stored either.
        raise CheckinError({f"work_{k}": v for k, v in e.message_dict.items()}
                           if hasattr(e, "error_dict") else e.messages) from e


@transaction.atomic
def schedule_checkins(*, patient, questionnaire_key: str, interval_months: int, first_due_on: dt.date, actor, now):
    if questionnaire_key not in all_questionnaires():
        raise CheckinError({"questionnaire": [_("Unknown questionnaire.")]})
    if not 1 <= interval_months <= 24:
        raise CheckinError({"interval_months": [_("Choose an interval from 1 to 24 months.")]})
    CheckinSchedule.objects.filter(patient=patient, questionnaire=questionnaire_key, active=True).update(active=False)
    schedule = CheckinSchedule.objects.create(
        patient=patient, questionnaire=questionnaire_key, interval_months=interval_months, next_due_on=first_due_on,
        created_at=now, created_by=actor)
    record_audit(actor=actor, action="checkins_scheduled", obj=schedule, at=now, every=interval_months)
    return schedule


def blood_test_interval_months(patient, today: dt.date, other_illness: bool) -> int:
    """Every 6 months; every 3 months for those 65 or older or with other illness."""
    born = patient.birth_date
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    return 3 if age >= 65 or other_illness else 6


@transaction.atomic
def enrol_in_follow_up(*, patient, clinic, other_illness: bool, actor, now) -> FollowUpEnrolment:
    """A clinician enrols a patient in a stable phase in patient-controlled follow-up."""
    if actor.organisation_id != clinic.pk or not clinic.is_specialist_clinic:
        raise CheckinError(_("A clinician at the clinic enrols the patient."))
    if FollowUpEnrolment.objects.filter(patient=patient, active=True).exists():
        raise CheckinError(_("The patient is already in patient-controlled follow-up."))
    today = clock.oslo_date(now)
    interval = blood_test_interval_months(patient, today, other_illness)
    enrolment, _created = FollowUpEnrolment.objects.update_or_create(patient=patient, defaults=dict(
        clinic=clinic, medical_contact=patient.gp, other_illness=other_illness, blood_test_interval_months=interval,
        next_blood_test_on=add_months(today, interval), enrolled_on=today, enrolled_by=actor, active=True))
    schedule_checkins(patient=patient, questionnaire_key="pors_status", interval_months=12,
                      first_due_on=add_months(today, 12), actor=actor, now=now)
    record_audit(actor=actor, action="follow_up_enrolled", obj=enrolment, at=now, blood_test_every=interval)
    with message_language():
        queue_message(kind="follow_up_enrolled", recipient_patient=patient, patient=patient, now=now,
                      subject=_("You follow up yourself from now on"), link=reverse("portal:home"),
                      body=_("You now follow up yourself, with your GP as your medical contact. Blood tests every "
                             "%(months)s months. If you need an appointment, press “I need an appointment” on your "
                             "page: no referral is needed.") % {"months": interval})
    return enrolment


@transaction.atomic
def request_appointment(*, patient, reason: str, actor, now, submission_id) -> Task:
    """“I need an appointment”: no referral needed; the clinic gets a red task."""
    if (existing := Task.objects.filter(submission_id=submission_id).first()) is not None:
        return existing
    if actor.patient_id != patient.pk:
        raise CheckinError(_("Only the patient asks for their appointment."))
    if not reason.strip():
        raise CheckinError({"reason": [_("Write a few words about why.")]})
    enrolment = FollowUpEnrolment.objects.filter(patient=patient, active=True).first()
    task = create_task(patient=patient, kind=Task.Kind.OFFER_APPOINTMENT, source=Task.Source.PATIENT_REQUEST,
                       reason=reason.strip(), now=now, submission_id=submission_id,
                       due_days=enrolment.answer_within_days if enrolment else None)
    if task is None:
        raise CheckinError(_("No clinic follows you up yet. Contact your GP."))
    record_audit(actor=actor, action="appointment_requested", obj=task, at=now)
    return task


def reminders_step(now) -> str | None:
    """Send one due reminder (check-in or blood test); None when nothing is due. Called in a loop by
    `manage.py send_reminders`, one item per step."""
    today = clock.oslo_date(now)
    with transaction.atomic():
        schedule = (CheckinSchedule.objects.select_for_update(skip_locked=True, of=("self",))
                    .filter(active=True, next_due_on__lte=today).exclude(first_reminder_for=F("next_due_on"))
                    .select_related("patient").first())
        if schedule is not None:
            schedule.first_reminder_for = schedule.next_due_on
            schedule.save(update_fields=["first_reminder_for"])
            _remind_checkin(schedule, now, second=False)
            return "checkin_reminder"
        schedule = (CheckinSchedule.objects.select_for_update(skip_locked=True, of=("self",))
                    .filter(active=True, next_due_on__lte=today - dt.timedelta(days=SECOND_REMINDER_AFTER_DAYS),
                            first_reminder_for=F("next_due_on"))
                    .exclude(second_reminder_for=F("next_due_on")).select_related("patient").first())
        if schedule is not None:
            schedule.second_reminder_for = schedule.next_due_on
            schedule.save(update_fields=["second_reminder_for"])
            _remind_checkin(schedule, now, second=True)
            return "checkin_second_reminder"
        enrolment = (FollowUpEnrolment.objects.select_for_update(skip_locked=True, of=("self",))
                     .filter(active=True, next_blood_test_on__lte=today).select_related("patient", "medical_contact").first())
        if enrolment is not None:
            due = enrolment.next_blood_test_on
            enrolment.blood_test_interval_months = blood_test_interval_months(
                enrolment.patient, today, enrolment.other_illness)
            enrolment.next_blood_test_on = add_months(due, enrolment.blood_test_interval_months)
            enrolment.save(update_fields=["next_blood_test_on", "blood_test_interval_months"])
            _remind_blood_test(enrolment, due, now)
            return "blood_test_reminder"
    return None


def _remind_checkin(schedule, now, *, second: bool):
    questionnaire = get_questionnaire(schedule.questionnaire)
    with message_language():
        queue_message(
            kind="checkin_reminder", recipient_patient=schedule.patient, patient=schedule.patient, now=now,
            subject=_("A reminder from Samforløp") if not second else _("A second reminder from Samforløp"),
            link=reverse("portal:checkin", args=[schedule.questionnaire]),
            body=_("It is time for your check-in “%(title)s”. It takes a couple of minutes.") % {"title": questionnaire.title},
            dedupe_key=f"checkin_reminder:{schedule.pk}:{schedule.next_due_on}:{'2' if second else '1'}")


def _remind_blood_test(enrolment, due, now):
    with message_language():
        body = _("It is time for the blood tests at the GP (due %(date)s).") % {"date": due.strftime("%d.%m.%Y")}
        queue_message(kind="blood_test_reminder", recipient_patient=enrolment.patient, patient=enrolment.patient,
                      now=now, subject=_("A reminder from Samforløp"), body=body, link=reverse("portal:home"),
                      dedupe_key=f"blood_test:{enrolment.pk}:{due}:patient")
        if enrolment.medical_contact is not None:
            queue_message(kind="blood_test_reminder", recipient_user=enrolment.medical_contact, patient=enrolment.patient,
                          now=now, subject=_("Blood tests due for a patient"),
                          body=_("%(patient)s is due for blood tests (%(date)s) in patient-controlled follow-up.")
                          % {"patient": enrolment.patient.full_name, "date": due.strftime("%d.%m.%Y")},
                          link=reverse("patients:detail", args=[enrolment.patient.pk]),
                          dedupe_key=f"blood_test:{enrolment.pk}:{due}:gp")


@transaction.atomic
def log_training_session(*, measure, done_on, what: str, how_it_felt: str, pain_before: int, pain_after: int,
                         actor, now, submission_id) -> TrainingSession:
    if (existing := TrainingSession.objects.filter(submission_id=submission_id).first()) is not None:
        return existing
    if actor.patient_id != measure.plan.patient_id or not measure.is_training_programme:
        raise CheckinError(_("Only the patient logs sessions of their own training programme."))
    errors = {}
    if not what.strip():
        errors["what"] = [_("Write what you did.")]
    for name, value in (("pain_before", pain_before), ("pain_after", pain_after)):
        if value is None or not 0 <= value <= 10:
            errors[name] = [_("Choose from 0 to 10.")]
    if done_on > clock.oslo_date(now):
        errors["done_on"] = [_("The date is in the future.")]
    if errors:
        raise CheckinError(errors)
    session = TrainingSession.objects.create(measure=measure, done_on=done_on, what=what.strip(),
                                             how_it_felt=how_it_felt.strip(), pain_before=pain_before,
                                             pain_after=pain_after, logged_at=now, submission_id=submission_id)
    record_audit(actor=actor, action="training_session_logged", obj=session, at=now)
    return session


@transaction.atomic
def reply_to_training_session(*, session: TrainingSession, reply: str, actor, now) -> TrainingSession:
    session = TrainingSession.objects.select_for_update(of=("self",)).select_related("measure__plan__patient").get(pk=session.pk)
    measure = session.measure
    if actor.organisation_id != measure.organisation_id:
        raise CheckinError(_("Only the service that owns the training programme answers."))
    if not reply.strip():
        raise CheckinError({"reply": [_("Write an answer.")]})
    session.reply, session.replied_by, session.replied_at = reply.strip(), actor, now
    session.save(update_fields=["reply", "replied_by", "replied_at"])
    record_audit(actor=actor, action="training_session_answered", obj=session, at=now)
    with message_language():
        queue_message(kind="training_reply", recipient_patient=measure.plan.patient, patient=measure.plan.patient,
                      now=now, subject=_("An answer about your training"), link=reverse("portal:training"),
                      body=_("%(who)s answered about your session on %(date)s: %(reply)s")
                      % {"who": actor.display_name, "date": session.done_on.strftime("%d.%m.%Y"), "reply": session.reply})
    return session
