"""Named operations on work-oriented follow-up: record the work situation, name the return-to-work
coordinator (and how often they follow up), record agreed workplace measures, give the coordinator
tasks, and write, approve, change and withdraw letters to the employer. Each validates, changes
state, writes the audit row and queues its messages in one transaction."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from samforlop.audit.models import log_access, record_audit
from samforlop.core import clock
from samforlop.messaging.actions import message_language, queue_message
from samforlop.patients.models import CareTeamMember, Category, Patient, SharingConsent, active_on
from samforlop.tasks.actions import assign_task
from samforlop.tasks.models import Task
from samforlop.work.models import (
    EmployerLetter, EmployerLetterRelease, ReturnToWorkFollowUp, Status, WorkplaceAgreement, WorkSituation,
)
from samforlop.work.rules import get_rules

# The return-to-work coordinator's tasks (arbeidsrettet oppfølging).
TASK_KINDS = (Task.Kind.AGREE_WORKPLACE_MEASURES, Task.Kind.FOLLOW_UP_WORK, Task.Kind.ADJUST_WORK)


class WorkError(ValidationError):
    pass


class LetterConflict(WorkError):
    """The letter changed after the caller read it."""


def _staff_only(actor):
    if getattr(actor, "organisation_id", None) is None:
        raise WorkError(_("Only staff with access to the patient's work section can do this."))


def _patient_or_staff(actor, patient):
    if actor.patient_id != patient.pk and actor.organisation_id is None:
        raise WorkError(_("Only the patient or the care team can do this."))


# --- The work situation ------------------------------------------------------------------------

def current_situation(patient) -> WorkSituation | None:
    return WorkSituation.objects.filter(patient=patient).order_by("-recorded_at", "-pk").first()


def _situation_data(s: WorkSituation | None) -> dict | None:
    if s is None:
        return None
    return {"status": s.status, "sick_leave_percent": s.sick_leave_percent,
            "valid_from": s.valid_from.isoformat() if s.valid_from else None,
            "valid_to": s.valid_to.isoformat() if s.valid_to else None}


@transaction.atomic
def record_work_situation(*, patient, status: str, sick_leave_percent: int | None = None,
                          valid_from: dt.date | None = None, valid_to: dt.date | None = None, note: str = "",
                          source: str, actor, now, submission_id=None, assessment_entry=None,
                          checkin=None) -> WorkSituation:
    """The patient's work situation now. The same situation recorded again (with no new note)
    stores nothing and returns the current one, so a check-in that confirms it adds no row."""
    if submission_id is not None and (existing := WorkSituation.objects.filter(submission_id=submission_id).first()):
        return existing
    if source not in WorkSituation.Source.values:
        raise WorkError(_("Unknown source of the work situation."))
    if source in (WorkSituation.Source.PATIENT, WorkSituation.Source.CHECKIN):
        if actor.patient_id != patient.pk:
            raise WorkError(_("Only the patient records their own work situation here."))
    else:
        _staff_only(actor)
    errors: dict[str, list[str]] = {}
    if status not in Status.values:
        errors["status"] = [_("Choose the work situation.")]
    if status == Status.SICK_LEAVE:
        if sick_leave_percent is None:
            errors["sick_leave_percent"] = [_("Give the sick-leave percentage (1–100).")]
        elif not 1 <= sick_leave_percent <= 100:
            errors["sick_leave_percent"] = [_("Sick leave is a percentage from 1 to 100.")]
    else:
        sick_leave_percent = None  # a percentage belongs to sick leave only
    if valid_from and valid_to and valid_to < valid_from:
        errors["valid_to"] = [_("The end date is before the start date.")]
    if errors:
        raise WorkError(errors)
    note = (note or "").strip()
    # One recording at a time per patient, so "the same as now" is decided against the latest.
    Patient.objects.select_for_update().filter(pk=patient.pk).first()
    current = current_situation(patient)
    if current is not None and current.same_as(status=status, sick_leave_percent=sick_leave_percent,
                                               valid_from=valid_from, valid_to=valid_to, note=note or current.note):
        return current
    situation = WorkSituation.objects.create(
        patient=patient, status=status, sick_leave_percent=sick_leave_percent, valid_from=valid_from,
        valid_to=valid_to, note=note, source=source, recorded_at=now, recorded_by=actor, submission_id=submission_id,
        assessment_entry=assessment_entry, checkin=checkin)
    record_audit(actor=actor, action="work_situation_recorded", obj=situation, at=now, patient=str(patient.pk),
                 source=source, old=_situation_data(current), new=_situation_data(situation))
    return situation


# --- The return-to-work coordinator ------------------------------------------------------------

def current_coordinator(patient, today: dt.date) -> CareTeamMember | None:
    """The care-team member who holds the return-to-work coordinator role today."""
    return (CareTeamMember.objects.filter(active_on(today), patient=patient, is_return_to_work_coordinator=True)
            .select_related("organisation", "person").order_by("-valid_from", "-pk").first())


def current_follow_up(patient, coordinator: CareTeamMember | None) -> ReturnToWorkFollowUp | None:
    """How the current coordinator follows up (None: not set for this coordinator yet)."""
    if coordinator is None:
        return None
    return ReturnToWorkFollowUp.objects.filter(patient=patient, coordinator=coordinator).first()


def follow_up_weeks(patient, today: dt.date) -> int:
    follow_up = current_follow_up(patient, current_coordinator(patient, today))
    return follow_up.every_weeks if follow_up else get_rules().default_every_weeks


def default_coordinator(patient, today: dt.date):
    """Who is proposed as return-to-work coordinator when nobody holds the role: a NAV office on
    the care team that the patient shares work with (its contact person, if any). (None, None)
    when there is none."""
    consented = set(SharingConsent.objects.filter(
        active_on(today), patient=patient, category=Category.WORK, withdrawn_at__isnull=True,
        organisation__isnull=False).values_list("organisation_id", flat=True))
    members = [m for m in CareTeamMember.objects.filter(active_on(today), patient=patient,
                                                         organisation__kind="nav_office")
               .select_related("organisation", "person").order_by("valid_from", "pk")
               if m.organisation_id in consented]
    if not members:
        return None, None
    organisation = members[0].organisation
    contact = next((m.person for m in members if m.organisation_id == organisation.pk and m.is_contact_person
                    and m.person is not None), None)
    return organisation, contact


@transaction.atomic
def name_return_to_work_coordinator(*, patient, organisation, person, every_weeks: int, note: str = "", actor, now,
                                    submission_id=None) -> ReturnToWorkFollowUp:
    """Name the return-to-work coordinator: a named person in a service on the care team (any
    service may hold the role). The previous holder loses it. Also how often they follow up."""
    if submission_id is not None and (
            existing := ReturnToWorkFollowUp.objects.filter(submission_id=submission_id).first()):
        return existing
    _staff_only(actor)
    today = clock.oslo_date(now)
    errors: dict[str, list[str]] = {}
    team = list(CareTeamMember.objects.select_for_update().filter(patient=patient))
    membership = None
    if organisation is None:
        errors["organisation"] = [_("Choose the service that holds the role.")]
    else:
        membership = next((m for m in team if m.organisation_id == organisation.pk and m.valid_from <= today
                           and (m.valid_to is None or today <= m.valid_to)), None)
        if membership is None:
            errors["organisation"] = [_("%(organisation)s is not on the patient's care team.")
                                      % {"organisation": organisation.name}]
    if person is None:
        errors["person"] = [_("Name the person who holds the role.")]
    elif organisation is not None and person.organisation_id != organisation.pk:
        errors["person"] = [_("The person does not work in this organisation.")]
    if not isinstance(every_weeks, int) or not 1 <= every_weeks <= 52:
        errors["every_weeks"] = [_("Choose how often, from 1 to 52 weeks.")]
    if errors:
        raise WorkError(errors)
    note = (note or "").strip()
    current = current_coordinator(patient, today)
    if current is not None and (current.organisation_id, current.person_id) == (organisation.pk, person.pk):
        member = current
        latest = current_follow_up(patient, member)
        if latest is not None and (latest.every_weeks, latest.note) == (every_weeks, note):
            return latest  # nothing changed
    else:
        if current is not None:
            # Held until yesterday; a role given today and taken today ends today.
            current.valid_to = max(current.valid_from, today - dt.timedelta(days=1))
            current.save(update_fields=["valid_to"])
            record_audit(actor=actor, action="return_to_work_coordinator_ended", obj=current, at=now,
                         patient=str(patient.pk), old={"valid_to": None},
                         new={"valid_to": current.valid_to.isoformat()})
        member = CareTeamMember.objects.create(
            patient=patient, organisation=organisation, person=person, role=membership.role,
            is_return_to_work_coordinator=True, valid_from=today)
        record_audit(actor=actor, action="return_to_work_coordinator_named", obj=member, at=now,
                     patient=str(patient.pk),
                     old={"organisation": str(current.organisation_id), "person": current.person_id} if current else None,
                     new={"organisation": str(organisation.pk), "person": person.pk})
        with message_language():
            if person.pk != actor.pk:
                queue_message(kind="return_to_work_coordinator", recipient_user=person, patient=patient, now=now,
                              subject=_("A new role in Samforløp"), link=reverse("work:patient", args=[patient.pk]),
                              body=_("%(who)s named you return-to-work coordinator for %(patient)s.")
                              % {"who": actor.display_name, "patient": patient.full_name})
            queue_message(kind="return_to_work_coordinator", recipient_patient=patient, patient=patient, now=now,
                          subject=_("News from Samforløp"), link=reverse("work:mine"),
                          body=_("%(person)s at %(organisation)s is now your return-to-work coordinator: the person "
                                 "who follows up with you and your employer about work.")
                          % {"person": person.display_name, "organisation": organisation.name})
    follow_up = ReturnToWorkFollowUp.objects.create(
        patient=patient, coordinator=member, every_weeks=every_weeks, note=note, decided_at=now, decided_by=actor,
        submission_id=submission_id)
    record_audit(actor=actor, action="return_to_work_follow_up_set", obj=follow_up, at=now, patient=str(patient.pk),
                 every_weeks=every_weeks)
    return follow_up


@transaction.atomic
def assign_return_to_work_task(*, patient, kind: str, reason: str, due_on: dt.date | None = None, actor, now,
                               submission_id=None) -> Task:
    """Give the return-to-work coordinator a task (agree workplace measures, follow up that work
    has resumed as agreed, adjust as the disease fluctuates). Due by default one follow-up
    interval from today. It lands on the coordinator's organisation's worklist."""
    if submission_id is not None and (existing := Task.objects.filter(submission_id=submission_id).first()):
        return existing
    _staff_only(actor)
    today = clock.oslo_date(now)
    if kind not in TASK_KINDS:
        raise WorkError({"kind": [_("Choose what the task is.")]})
    coordinator = current_coordinator(patient, today)
    if coordinator is None:
        raise WorkError(_("Name a return-to-work coordinator first."))
    if due_on is None:
        due_on = today + dt.timedelta(weeks=follow_up_weeks(patient, today))
    task = assign_task(patient=patient, organisation=coordinator.organisation, person=coordinator.person, kind=kind,
                       source=Task.Source.RETURN_TO_WORK, reason=reason, due_on=due_on, actor=actor, now=now,
                       submission_id=submission_id)
    if coordinator.person_id != actor.pk:
        with message_language():
            queue_message(kind="return_to_work_task", recipient_user=coordinator.person, patient=patient, now=now,
                          subject=_("A new task in Samforløp"), link=reverse("tasks:detail", args=[task.pk]),
                          body=_("%(who)s gave you a task about %(patient)s's work, due %(date)s: %(reason)s")
                          % {"who": actor.display_name, "patient": patient.full_name,
                             "date": due_on.strftime("%d.%m.%Y"), "reason": task.reason})
    return task


# --- Agreed workplace measures -----------------------------------------------------------------

@transaction.atomic
def record_workplace_agreement(*, patient, agreed_on: dt.date | None, employer_name: str, employer_contact: str = "",
                               adjustments=(), other_adjustments: str = "", review_on: dt.date | None = None, actor,
                               now, submission_id) -> WorkplaceAgreement:
    """The measures agreed with the employee and the employer, and when to review them."""
    if (existing := WorkplaceAgreement.objects.filter(submission_id=submission_id).first()) is not None:
        return existing
    _staff_only(actor)
    today = clock.oslo_date(now)
    rules = get_rules()
    errors: dict[str, list[str]] = {}
    if agreed_on is None:
        errors["agreed_on"] = [_("Give the date it was agreed.")]
    elif agreed_on > today:
        errors["agreed_on"] = [_("The date is in the future.")]
    if not (employer_name or "").strip():
        errors["employer_name"] = [_("Name the employer.")]
    adjustments = list(dict.fromkeys(adjustments or ()))
    if any(rules.adjustment(key) is None for key in adjustments):
        errors["adjustments"] = [_("Unknown adjustment.")]
    elif not adjustments and not (other_adjustments or "").strip():
        errors["adjustments"] = [_("Choose at least one adjustment, or describe what was agreed.")]
    if review_on is not None and agreed_on is not None and review_on < agreed_on:
        errors["review_on"] = [_("The review date is before the date it was agreed.")]
    if errors:
        raise WorkError(errors)
    agreement = WorkplaceAgreement.objects.create(
        patient=patient, agreed_on=agreed_on, employer_name=employer_name.strip(),
        employer_contact=(employer_contact or "").strip(), adjustments=[a.key for a in rules.adjustments
                                                                         if a.key in adjustments],
        other_adjustments=(other_adjustments or "").strip(), review_on=review_on, recorded_at=now, recorded_by=actor,
        submission_id=submission_id)
    record_audit(actor=actor, action="workplace_agreement_recorded", obj=agreement, at=now, patient=str(patient.pk),
                 adjustments=agreement.adjustments)
    return agreement


# --- Letters to the employer -------------------------------------------------------------------

LETTER_FIELDS = ("employer_name", "general_text", "adjustments", "schemes", "nav_contact_name", "nav_contact_office",
                 "nav_contact_email", "include_diagnosis", "diagnosis_text")


def nav_contact_for(patient, today: dt.date) -> dict:
    """The patient's contact at NAV: the return-to-work coordinator if at NAV, else the NAV
    office's contact person on the care team, else the office."""
    members = list(CareTeamMember.objects.filter(active_on(today), patient=patient, organisation__kind="nav_office")
                   .select_related("organisation", "person").order_by("valid_from", "pk"))
    if not members:
        return {"nav_contact_name": "", "nav_contact_office": "", "nav_contact_email": ""}
    chosen = (next((m for m in members if m.is_return_to_work_coordinator and m.valid_to is None), None)
              or next((m for m in members if m.is_contact_person and m.person), None) or members[0])
    person = chosen.person
    return {"nav_contact_name": person.display_name if person else "",
            "nav_contact_office": chosen.organisation.name,
            "nav_contact_email": (person.email if person and person.email else chosen.organisation.email) or ""}


def letter_defaults(patient, today: dt.date) -> dict:
    """What a new letter says until someone changes it: the general text, the adjustments of the
    latest workplace agreement (else the usual ones), the usual support schemes, the NAV contact."""
    rules = get_rules()
    agreement = WorkplaceAgreement.objects.filter(patient=patient).first()
    return {
        "employer_name": agreement.employer_name if agreement else "",
        "general_text": str(rules.general_text),
        "adjustments": list(agreement.adjustments) if agreement and agreement.adjustments
        else [a.key for a in rules.adjustments if a.in_letter_by_default],
        "schemes": [s.key for s in rules.schemes if s.in_letter_by_default],
        **nav_contact_for(patient, today),
        "include_diagnosis": False, "diagnosis_text": "",
    }


def _clean_letter(values: dict) -> dict:
    rules = get_rules()
    errors: dict[str, list[str]] = {}
    cleaned = {key: values.get(key) for key in LETTER_FIELDS}
    for key in ("employer_name", "general_text", "nav_contact_name", "nav_contact_office", "nav_contact_email",
                "diagnosis_text"):
        cleaned[key] = (cleaned[key] or "").strip()
    if not cleaned["general_text"]:
        errors["general_text"] = [_("Write what the condition means for work, in general terms.")]
    for key, find in (("adjustments", rules.adjustment), ("schemes", rules.scheme)):
        chosen = set(cleaned[key] or ())
        if any(find(k) is None for k in chosen):
            errors[key] = [_("Unknown choice.")]
        items = rules.adjustments if key == "adjustments" else rules.schemes
        cleaned[key] = [c.key for c in items if c.key in chosen]
    if cleaned["nav_contact_email"]:
        try:
            validate_email(cleaned["nav_contact_email"])
        except ValidationError:
            errors["nav_contact_email"] = [_("Enter a valid e-mail address.")]
    cleaned["include_diagnosis"] = bool(cleaned["include_diagnosis"])
    if not cleaned["include_diagnosis"]:
        cleaned["diagnosis_text"] = ""  # never kept unless the patient chooses to include it
    elif not cleaned["diagnosis_text"]:
        errors["diagnosis_text"] = [_("Write the diagnosis as you want the employer to read it, or leave it out.")]
    if errors:
        raise WorkError(errors)
    return cleaned


def _is_patient(actor, patient) -> bool:
    return actor.patient_id == patient.pk


@transaction.atomic
def draft_employer_letter(*, patient, actor, now, submission_id, **fields) -> EmployerLetter:
    """A new letter to the employer, drafted by the patient or by staff with access to the work
    section. It waits for the patient's approval; only the patient can choose to name a diagnosis."""
    if (existing := EmployerLetter.objects.filter(submission_id=submission_id).first()) is not None:
        return existing
    _patient_or_staff(actor, patient)
    unknown = set(fields) - set(LETTER_FIELDS)
    if unknown:
        raise TypeError(f"unknown letter fields: {', '.join(sorted(unknown))}")
    values = {**letter_defaults(patient, clock.oslo_date(now)), **fields}
    if not _is_patient(actor, patient):
        values["include_diagnosis"], values["diagnosis_text"] = False, ""
    letter = EmployerLetter.objects.create(patient=patient, created_at=now, created_by=actor, changed_at=now,
                                           changed_by=actor, submission_id=submission_id, **_clean_letter(values))
    record_audit(actor=actor, action="employer_letter_drafted", obj=letter, at=now, patient=str(patient.pk))
    if not _is_patient(actor, patient):
        with message_language():
            queue_message(kind="employer_letter", recipient_patient=patient, patient=patient, now=now,
                          subject=_("A letter for you to read in Samforløp"),
                          link=reverse("work:my_letter", args=[letter.pk]),
                          body=_("%(who)s has drafted a letter to your employer with you. Read it, change what you "
                                 "want, and approve it if you want it given to your employer. Nothing is given to "
                                 "anyone without your consent.") % {"who": actor.display_name})
    return letter


def _release_in_force(letter) -> EmployerLetterRelease | None:
    return letter.releases.filter(ended_at__isnull=True).first()


def _end_release(letter, *, because: str, actor, now) -> EmployerLetterRelease | None:
    release = EmployerLetterRelease.objects.select_for_update().filter(letter=letter, ended_at__isnull=True).first()
    if release is not None:
        release.ended_at, release.ended_by, release.ended_because = now, actor, because
        release.save(update_fields=["ended_at", "ended_by", "ended_because"])
    return release


@transaction.atomic
def change_employer_letter(*, letter: EmployerLetter, revision: int, actor, now, **fields) -> EmployerLetter:
    """Change what the letter says. A letter changed after approval is no longer released: the
    patient approves the new content. `revision` is the one the editor read."""
    letter = EmployerLetter.objects.select_for_update().select_related("patient").get(pk=letter.pk)
    patient = letter.patient
    _patient_or_staff(actor, patient)
    if revision != letter.revision:
        raise LetterConflict(_("Someone changed the letter after you opened it, so your change was not saved. "
                               "Read it again."))
    values = {key: getattr(letter, key) for key in LETTER_FIELDS}
    values.update({k: v for k, v in fields.items() if k in LETTER_FIELDS})
    if not _is_patient(actor, patient):
        # Naming a diagnosis is the patient's choice alone.
        values["include_diagnosis"], values["diagnosis_text"] = letter.include_diagnosis, letter.diagnosis_text
    cleaned = _clean_letter(values)
    if all(getattr(letter, key) == cleaned[key] for key in LETTER_FIELDS):
        return letter  # nothing changed: an approval stays in force
    old_status = letter.status
    for key, value in cleaned.items():
        setattr(letter, key, value)
    letter.revision += 1
    letter.changed_at, letter.changed_by = now, actor
    letter.status = EmployerLetter.Status.DRAFT
    letter.save(update_fields=[*LETTER_FIELDS, "revision", "changed_at", "changed_by", "status"])
    if old_status == EmployerLetter.Status.APPROVED:
        _end_release(letter, because=EmployerLetterRelease.Ended.CHANGED, actor=actor, now=now)
    record_audit(actor=actor, action="employer_letter_changed", obj=letter, at=now, patient=str(patient.pk),
                 revision=letter.revision, old={"status": old_status}, new={"status": letter.status})
    if old_status == EmployerLetter.Status.APPROVED and not _is_patient(actor, patient):
        with message_language():
            queue_message(kind="employer_letter", recipient_patient=patient, patient=patient, now=now,
                          subject=_("A letter for you to read in Samforløp"),
                          link=reverse("work:my_letter", args=[letter.pk]),
                          body=_("%(who)s changed the letter to your employer that you approved. It will not be given "
                                 "to anyone until you have read it and approved it again.") % {"who": actor.display_name})
    return letter


def letter_snapshot(letter: EmployerLetter) -> dict:
    """Everything the letter says, in both languages where the text comes from the rules: what
    the patient approves is kept exactly."""
    rules = get_rules()
    return {
        "employee": letter.patient.full_name,
        "employer_name": letter.employer_name,
        "general_text": letter.general_text,
        "adjustments": [rules.adjustment(k).snapshot() for k in letter.adjustments if rules.adjustment(k)],
        "schemes": [rules.scheme(k).snapshot() for k in letter.schemes if rules.scheme(k)],
        "diagnosis_text": letter.diagnosis_text if letter.include_diagnosis else "",
        "nav_contact": {"name": letter.nav_contact_name, "office": letter.nav_contact_office,
                        "email": letter.nav_contact_email},
    }


def letter_content(snapshot: dict) -> dict:
    """A snapshot as the page shows it, in the reader's language."""
    language = "en" if (get_language() or "nb").startswith("en") else "nb"
    localise = lambda items: [{"name": c["name"][language], "explanation": c["explanation"][language]}  # noqa: E731
                              for c in items]
    return {**snapshot, "adjustments": localise(snapshot["adjustments"]), "schemes": localise(snapshot["schemes"])}


@transaction.atomic
def approve_employer_letter(*, letter: EmployerLetter, revision: int, consent: bool, actor, now) -> EmployerLetterRelease:
    """The patient consents to giving this letter, as it reads now, to their employer. The release
    is access-logged; the letter can then be printed until the consent is withdrawn or the letter
    changes."""
    letter = EmployerLetter.objects.select_for_update().select_related("patient", "created_by").get(pk=letter.pk)
    patient = letter.patient
    if not _is_patient(actor, patient):
        raise WorkError(_("Only the patient can approve a letter to their employer."))
    if not consent:
        raise WorkError({"consent": [_("Tick the box to consent to this letter being given to your employer.")]})
    if revision != letter.revision:
        raise LetterConflict(_("The letter changed after you opened it. Read it again before you approve it."))
    if letter.status == EmployerLetter.Status.APPROVED and (release := _release_in_force(letter)) is not None:
        return release  # approved already (a double submit)
    release = EmployerLetterRelease.objects.create(letter=letter, revision=letter.revision,
                                                   content=letter_snapshot(letter), consented_at=now,
                                                   consented_by=actor)
    letter.status = EmployerLetter.Status.APPROVED
    letter.save(update_fields=["status"])
    log_access(user=actor, what="employer_letter_release", at=now, patients=[patient])
    record_audit(actor=actor, action="employer_letter_released", obj=letter, at=now, patient=str(patient.pk),
                 revision=letter.revision, release=release.pk, old={"status": "draft"}, new={"status": "approved"})
    author = letter.created_by
    if author.organisation_id is not None:
        with message_language():
            queue_message(kind="employer_letter", recipient_user=author, patient=patient, now=now,
                          subject=_("News from Samforløp"),
                          link=reverse("work:letter", args=[patient.pk, letter.pk]),
                          body=_("%(patient)s approved the letter to the employer. It can now be printed.")
                          % {"patient": patient.full_name})
    return release


@transaction.atomic
def withdraw_employer_letter_consent(*, letter: EmployerLetter, actor, now) -> EmployerLetter:
    """The patient withdraws their consent: the letter can no longer be printed."""
    letter = EmployerLetter.objects.select_for_update().select_related("patient").get(pk=letter.pk)
    if not _is_patient(actor, letter.patient):
        raise WorkError(_("Only the patient can withdraw their consent."))
    if _end_release(letter, because=EmployerLetterRelease.Ended.WITHDRAWN, actor=actor, now=now) is not None:
        letter.status = EmployerLetter.Status.WITHDRAWN
        letter.save(update_fields=["status"])
        record_audit(actor=actor, action="employer_letter_consent_withdrawn", obj=letter, at=now,
                     patient=str(letter.patient_id), old={"status": "approved"}, new={"status": "withdrawn"})
    return letter
