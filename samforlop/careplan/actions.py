"""Named operations on the individual plan. Every change bumps the plan's version and keeps a
version row (who, when, what, and the plan as it then was), in one transaction with the change.
Editing a goal or measure names the revision the editor started from: if someone else saved in
between, the second editor is told and nothing is overwritten."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext as _

from samforlop.audit.models import record_audit
from samforlop.careplan.models import Goal, Measure, Plan, PlanComment, PlanVersion
from samforlop.core import clock
from samforlop.messaging.actions import message_language, queue_message
from samforlop.patients.models import CareTeamMember, active_on, needs_consent, refuse_unless_health_personnel


class PlanError(ValidationError):
    pass


class PlanConflict(PlanError):
    """Someone else changed this goal or measure after the editor opened it."""


def plan_for(patient, now) -> Plan:
    plan, _created = Plan.objects.get_or_create(patient=patient, defaults={"created_at": now})
    return plan


def snapshot(plan: Plan) -> dict:
    return {
        "goals": [{"id": g.pk, "text": g.text, "reached_means": g.reached_means, "status": g.status,
                   "review_on": g.review_on.isoformat() if g.review_on else None} for g in plan.goals.all()],
        "measures": [{"id": str(m.pk), "title": m.title, "organisation": m.organisation.name,
                      "person": m.person.display_name if m.person else None, "status": m.status,
                      "start_on": m.start_on.isoformat() if m.start_on else None,
                      "due_on": m.due_on.isoformat() if m.due_on else None, "stop_reason": m.stop_reason,
                      "cost_nok": m.cost_nok, "counts_toward_ceiling": m.counts_toward_ceiling}
                     for m in plan.measures.select_related("organisation", "person")],
    }


def _new_version(plan: Plan, *, actor, now, what: str) -> PlanVersion:
    plan = Plan.objects.select_for_update().get(pk=plan.pk)  # version numbers in order
    plan.version += 1
    plan.save(update_fields=["version"])
    record_audit(actor=actor, action="plan_changed", obj=plan, at=now, version=plan.version, what=what)
    return PlanVersion.objects.create(plan=plan, number=plan.version, at=now, by=actor, what=what[:300],
                                      snapshot=snapshot(plan))


def may_change_measure(actor, measure) -> bool:
    """Health personnel change any measure; NAV and user organisations (with the patient's consent
    to share the plan) only the measures their own organisation owns."""
    return not needs_consent(actor) or (actor.organisation_id is not None
                                        and measure.organisation_id == actor.organisation_id)


def _refuse_measure_of_others(actor, organisation_id) -> None:
    """NAV and user organisations own measures in the plan (with consent), never another service's."""
    if actor is not None and needs_consent(actor) and (
            actor.organisation_id is None or organisation_id != actor.organisation_id):
        raise PermissionDenied("Only your own organisation's measures: written with consent.")


def _check_dates(start_on, due_on, errors):
    if start_on and due_on and due_on < start_on:
        errors["due_on"] = [_("The due date is before the start date.")]


def _check_owner(patient, organisation, person, today, errors):
    on_team = CareTeamMember.objects.filter(active_on(today), patient=patient, organisation=organisation).exists()
    if not on_team:
        errors["organisation"] = [_("%(organisation)s is not on the patient's care team.")
                                  % {"organisation": organisation.name}]
    if person is not None and person.organisation_id != organisation.pk:
        errors["person"] = [_("The person does not work in this organisation.")]


@transaction.atomic
def add_goal(*, patient, text: str, reached_means: str = "", review_on=None, needs=(), actor, now, submission_id) -> Goal:
    refuse_unless_health_personnel(actor, "A goal and its needs")
    if (existing := Goal.objects.filter(submission_id=submission_id).first()) is not None:
        return existing
    if not text.strip():
        raise PlanError({"text": [_("Write the goal, in the patient's own words.")]})
    plan = plan_for(patient, now)
    goal = Goal.objects.create(plan=plan, text=text.strip(), reached_means=reached_means.strip(),
                               review_on=review_on, needs=sorted(set(needs)), submission_id=submission_id)
    _new_version(plan, actor=actor, now=now, what=_("Goal added: %(goal)s") % {"goal": goal.text[:120]})
    return goal


def _latest_change_note(plan: Plan) -> str:
    latest = plan.versions.select_related("by").first()
    if latest is None:
        return ""
    return _("%(who)s saved a change at %(when)s.") % {
        "who": latest.by.display_name if latest.by else _("Someone"),
        "when": clock.localtime(latest.at).strftime("%d.%m.%Y %H:%M")}


@transaction.atomic
def update_goal(*, goal: Goal, revision: int, text: str, reached_means: str, review_on, status: str, actor, now) -> Goal:
    refuse_unless_health_personnel(actor, "A goal")
    if not text.strip():
        raise PlanError({"text": [_("Write the goal, in the patient's own words.")]})
    if status not in Goal.Status.values:
        raise PlanError({"status": [_("Choose a status.")]})
    changed = Goal.objects.filter(pk=goal.pk, revision=revision).update(
        text=text.strip(), reached_means=reached_means.strip(), review_on=review_on, status=status,
        revision=F("revision") + 1)
    if not changed:
        raise PlanConflict(_("Someone else changed this goal after you opened it, so your change was not saved. "
                             "%(note)s Look at the goal as it is now and save again.")
                           % {"note": _latest_change_note(goal.plan)})
    goal.refresh_from_db()
    _new_version(goal.plan, actor=actor, now=now, what=_("Goal changed: %(goal)s") % {"goal": goal.text[:120]})
    return goal


@transaction.atomic
def add_measure(
    *, patient, title: str, organisation, person=None, description: str = "", start_on=None, due_on=None,
    goal: Goal | None = None, decision=None, is_training_programme: bool = False, cost_nok: int = 0,
    counts_toward_ceiling: bool = False, actor, now, submission_id,
) -> Measure:
    """A measure (tiltak) owned by an organisation on the care team, and usually a named person.
    NAV and user organisations add only measures their own organisation owns."""
    if (existing := Measure.objects.filter(submission_id=submission_id).first()) is not None:
        return existing
    _refuse_measure_of_others(actor, getattr(organisation, "pk", None))
    errors: dict[str, list[str]] = {}
    if not title.strip():
        errors["title"] = [_("Name the measure.")]
    _check_dates(start_on, due_on, errors)
    _check_owner(patient, organisation, person, clock.oslo_date(now), errors)
    if cost_nok is None or cost_nok < 0:
        errors["cost_nok"] = [_("Give the cost to the patient in whole kroner, 0 if it is free.")]
    if decision is not None and Measure.objects.filter(decision=decision).exists():
        errors["decision"] = [_("This decision is already a measure in the plan.")]
    if errors:
        raise PlanError(errors)
    plan = plan_for(patient, now)
    if goal is not None and goal.plan_id != plan.pk:
        raise PlanError({"goal": [_("The goal belongs to another plan.")]})
    measure = Measure.objects.create(
        plan=plan, title=title.strip(), description=description.strip(), organisation=organisation, person=person,
        start_on=start_on, due_on=due_on, goal=goal, decision=decision, submission_id=submission_id,
        is_training_programme=is_training_programme, cost_nok=cost_nok or 0,
        counts_toward_ceiling=bool(counts_toward_ceiling) and bool(cost_nok))
    _new_version(plan, actor=actor, now=now, what=_("Measure added: %(title)s (%(owner)s)")
                 % {"title": measure.title, "owner": person.display_name if person else organisation.name})
    _tell_owner(measure, actor, now)
    return measure


def _tell_owner(measure: Measure, actor, now) -> None:
    if measure.person_id == getattr(actor, "pk", None):
        return
    with message_language():
        queue_message(
            kind="measure_assigned", now=now, patient=measure.plan.patient,
            recipient_user=measure.person, recipient_organisation=None if measure.person else measure.organisation,
            subject=_("A measure in an individual plan is yours"), link=reverse("careplan:my_measures"),
            body=_("%(patient)s's individual plan has a measure for you: %(title)s. Due: %(due)s.")
            % {"patient": measure.plan.patient.full_name, "title": measure.title,
               "due": measure.due_on.strftime("%d.%m.%Y") if measure.due_on else "–"},
        )


@transaction.atomic
def update_measure(
    *, measure: Measure, revision: int, status: str, stop_reason: str = "", due_on=None, start_on=None, actor, now,
) -> Measure:
    _refuse_measure_of_others(actor, measure.organisation_id)
    errors: dict[str, list[str]] = {}
    if status not in Measure.Status.values:
        errors["status"] = [_("Choose a status.")]
    if status == Measure.Status.STOPPED and not stop_reason.strip():
        errors["stop_reason"] = [_("Say why the measure was stopped.")]
    _check_dates(start_on, due_on, errors)
    if errors:
        raise PlanError(errors)
    stopping = status == Measure.Status.STOPPED
    changed = Measure.objects.filter(pk=measure.pk, revision=revision).update(
        status=status, stop_reason=stop_reason.strip() if stopping else "",
        # Kept from the first stop: when the patient dropped out is what the outreach list asks.
        stopped_at=Coalesce("stopped_at", Value(now)) if stopping else None,
        due_on=due_on, start_on=start_on, revision=F("revision") + 1)
    if not changed:
        raise PlanConflict(_("Someone else changed this measure after you opened it, so your change was not saved. "
                             "%(note)s Look at the measure as it is now and save again.")
                           % {"note": _latest_change_note(measure.plan)})
    measure.refresh_from_db()
    _new_version(measure.plan, actor=actor, now=now, what=_("Measure %(title)s: %(status)s")
                 % {"title": measure.title, "status": measure.get_status_display()})
    return measure


@transaction.atomic
def comment_on_plan(*, patient, text: str, actor, now, submission_id) -> PlanComment:
    if (existing := PlanComment.objects.filter(submission_id=submission_id).first()) is not None:
        return existing
    if not text.strip():
        raise PlanError({"text": [_("Write a comment.")]})
    plan = plan_for(patient, now)
    comment = PlanComment.objects.create(plan=plan, author=actor, text=text.strip(), at=now,
                                         submission_id=submission_id)
    record_audit(actor=actor, action="plan_commented", obj=plan, at=now)
    return comment


@transaction.atomic
def agree_to_plan(*, patient, version: int, actor, now) -> Plan:
    """The patient marks that they agree to the plan as they read it (that version)."""
    if actor.patient_id != patient.pk:
        raise PlanError(_("Only the patient can agree to their plan."))
    plan = Plan.objects.select_for_update().get(pk=plan_for(patient, now).pk)
    if version != plan.version:
        raise PlanConflict(_("The plan changed after you opened it. Read it again before you agree."))
    if not plan.has_content():
        raise PlanError(_("The plan has no goals and measures yet: there is nothing to agree to."))
    plan.patient_agreed_version, plan.patient_agreed_at = plan.version, now
    plan.save(update_fields=["patient_agreed_version", "patient_agreed_at"])
    record_audit(actor=actor, action="plan_agreed", obj=plan, at=now, version=plan.version)
    return plan


def open_measures_due(measures, today: dt.date, soon_days: int = 14):
    """Annotate each measure with its due state for the lists: overdue, due soon, later."""
    for m in measures:
        if m.due_on is None:
            m.due_state = None
        elif m.due_on < today:
            m.due_state = "breached"
        elif (m.due_on - today).days <= soon_days:
            m.due_state = "at_risk"
        else:
            m.due_state = "running"
        m.days_left = (m.due_on - today).days if m.due_on else None
    return measures
