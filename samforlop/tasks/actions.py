"""Named operations on tasks."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from samforlop.accounts.models import Organisation
from samforlop.audit.models import record_audit
from samforlop.core import clock
from samforlop.patients.models import CareTeamMember, active_on
from samforlop.tasks.models import Task

DUE_DAYS = {Task.Kind.PHONE_PATIENT: 7, Task.Kind.OFFER_APPOINTMENT: 30}


def responsible_clinic(patient, today) -> Organisation | None:
    """Who acts on the patient's check-ins and requests: the follow-up clinic if enrolled, else the
    clinic of the latest active pathway, else a specialist clinic on the care team."""
    enrolment = getattr(patient, "follow_up", None) if hasattr(patient, "follow_up") else None
    if enrolment is not None and enrolment.active:
        return enrolment.clinic
    pathway = patient.pathways.filter(status="active").select_related("clinic").order_by("-created_at").first()
    if pathway is not None:
        return pathway.clinic
    member = CareTeamMember.objects.filter(active_on(today), patient=patient,
                                           organisation__kind__in=Organisation.SPECIALIST_KINDS).first()
    return member.organisation if member else None


def create_task(*, patient, kind: str, source: str, reason: str, now, checkin=None, submission_id=None,
                due_days: int | None = None) -> Task | None:
    today = clock.oslo_date(now)
    clinic = responsible_clinic(patient, today)
    if clinic is None:
        return None
    task = Task.objects.create(
        patient=patient, organisation=clinic, kind=kind, source=source, reason=reason, created_at=now,
        due_on=today + dt.timedelta(days=due_days if due_days is not None else DUE_DAYS[kind]),
        checkin=checkin, submission_id=submission_id)
    record_audit(actor=None, action="task_created", obj=task, at=now, kind=kind, source=source)
    return task


@transaction.atomic
def assign_task(*, patient, organisation, kind: str, source: str, reason: str, due_on: dt.date, actor, now,
                person=None, submission_id=None) -> Task:
    """A task given to a named organisation (and person) on the patient's care team, with a due date
    chosen by whoever gives it: the return-to-work coordinator's follow-up, a collaboration-arena
    decision. It lands on that organisation's worklist. A double submit stores one task."""
    if submission_id is not None and (existing := Task.objects.filter(submission_id=submission_id).first()) is not None:
        return existing
    errors: dict[str, list[str]] = {}
    if kind not in Task.Kind.values:
        errors["kind"] = [_("Choose what the task is.")]
    if not reason.strip():
        errors["reason"] = [_("Say what is to be done.")]
    if due_on is None:
        errors["due_on"] = [_("Give a due date.")]
    elif due_on < clock.oslo_date(now):
        errors["due_on"] = [_("The due date has passed.")]
    if organisation is None:
        errors["organisation"] = [_("Choose who is responsible.")]
    elif not CareTeamMember.objects.filter(active_on(clock.oslo_date(now)), patient=patient,
                                           organisation=organisation).exists():
        errors["organisation"] = [_("%(organisation)s is not on the patient's care team.")
                                  % {"organisation": organisation.name}]
    elif person is not None and person.organisation_id != organisation.pk:
        errors["person"] = [_("The person does not work in this organisation.")]
    if errors:
        raise ValidationError(errors)
    task = Task.objects.create(
        patient=patient, organisation=organisation, person=person, kind=kind, source=source, reason=reason.strip(),
        created_at=now, due_on=due_on, submission_id=submission_id)
    record_audit(actor=actor, action="task_assigned", obj=task, at=now, kind=kind, source=source,
                 organisation=str(organisation.pk), person=person.pk if person else None)
    return task


class TaskConflict(ValidationError):
    """The task changed after the caller read it (a stale revision)."""


@transaction.atomic
def answer_task(*, task: Task, answer: str, appointment_on=None, actor, now, revision: int | None = None) -> Task:
    """The clinic answers: what was done, and the appointment date when one was offered.
    `revision`, when given, is the one the caller read: a task changed since is refused."""
    task = Task.objects.select_for_update().get(pk=task.pk)
    if revision is not None and revision != task.revision:
        raise TaskConflict(_("Someone else changed this task after you opened it, so your change was not saved."))
    if actor.organisation_id != task.organisation_id:
        raise ValidationError(_("Only the clinic the task belongs to can answer it."))
    if task.status == Task.Status.DONE:
        raise ValidationError(_("The task has already been answered."))
    errors = {}
    if not answer.strip():
        errors["answer"] = [_("Say what was done.")]
    if task.kind == Task.Kind.OFFER_APPOINTMENT and appointment_on is None:
        errors["appointment_on"] = [_("Give the date of the appointment offered.")]
    if errors:
        raise ValidationError(errors)
    task.status, task.answer, task.appointment_on = Task.Status.DONE, answer.strip(), appointment_on
    task.answered_at, task.answered_by = now, actor
    task.revision += 1
    task.save(update_fields=["status", "answer", "appointment_on", "answered_at", "answered_by", "revision"])
    record_audit(actor=actor, action="task_answered", obj=task, at=now, in_time=task.answered_in_time)
    return task
