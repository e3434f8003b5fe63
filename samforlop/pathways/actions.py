"""Named operations on pathways: start one, register a milestone, correct (void) an event.

Each runs in one transaction: lock the pathway, check the whole log as it would be, append the
event, store the derived columns, write the audit row. A refused event changes nothing and
raises PathwayError with every reason.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from samforlop.accounts.models import Organisation
from samforlop.audit.models import record_audit
from samforlop.core import clock
from samforlop.pathways import state as pathway_state
from samforlop.pathways.definitions import VOID, all_definitions, get_definition
from samforlop.pathways.models import Pathway, PathwayEvent
from samforlop.patients.actions import ensure_on_care_team
from samforlop.patients.models import CareTeamMember


class PathwayError(ValidationError):
    """The event was refused; `.messages` says why, each as a sentence."""


def _append(pathway: Pathway, event: PathwayEvent, *, actor, now) -> PathwayEvent:
    """Check the log with `event` added, then store it and the derived state."""
    today = clock.oslo_date(now)
    existing = list(PathwayEvent.objects.filter(pathway=pathway).order_by("pk"))
    # Not yet saved: give it the next registration position for the checks.
    event.pk = (existing[-1].pk + 1) if existing else 1
    candidate = existing + [event]
    effective = pathway_state.effective_events(candidate)
    errors = pathway_state.sequence_errors(pathway.definition, effective, today)
    event.pk = None
    if pathway.status != Pathway.Status.ACTIVE and effective and pathway.definition.end.key not in {e.key for e in effective}:
        # Reopening (the end voided): only if no other pathway of the kind is active there.
        if _other_active(pathway).exists():
            errors.append(_("The patient already has an active pathway of this kind at %(clinic)s.")
                          % {"clinic": pathway.clinic.name})
    if errors:
        raise PathwayError(errors)
    definition = pathway.definition
    milestone, outcome = definition.milestones.get(event.key), definition.outcomes.get(event.outcome)
    event.code = milestone.code if milestone else ""
    event.outcome_code = outcome.code if outcome else ""
    event.pathway = pathway
    event.registered_by = actor if getattr(actor, "pk", None) else None
    event.registered_at = now
    event.save(force_insert=True)
    derived = pathway_state.derive(pathway.definition, pathway_state.effective_events(existing + [event]), today,
                                   settings.AT_RISK_DAYS)
    pathway.refresh_state(derived)
    record_audit(
        actor=actor, action="pathway_event_registered", obj=pathway, at=now,
        event=event.external_id, key=event.key, date=event.date.isoformat(), voids=event.voids_id,
    )
    return event


def _other_active(pathway: Pathway):
    return Pathway.objects.filter(
        patient_id=pathway.patient_id, clinic_id=pathway.clinic_id, type=pathway.type, status=Pathway.Status.ACTIVE,
    ).exclude(pk=pathway.pk)


def _already_registered(event_id: str | None, pathway: Pathway | None = None) -> PathwayEvent | None:
    """A double-submitted form or a re-run import line carries the same id: answer with the first."""
    if not event_id:
        return None
    existing = PathwayEvent.objects.filter(external_id=event_id).select_related("pathway").first()
    if existing is not None and pathway is not None and existing.pathway_id != pathway.pk:
        raise PathwayError(_("The event id %(id)s is already used by another pathway.") % {"id": event_id})
    return existing


@transaction.atomic
def start_pathway(
    *, patient, clinic: Organisation, type: str, date: dt.date, actor, now,
    pathway_id: str | None = None, event_id: str | None = None, comment: str = "", source: str = "form",
) -> Pathway:
    """Start a pathway (pasientforløp start) for a patient at a clinic; the clinic joins the care team."""
    if (existing := _already_registered(event_id)) is not None:
        return existing.pathway
    if type not in all_definitions():
        raise PathwayError(_("Unknown pathway type “%(type)s”.") % {"type": type})
    definition = get_definition(type)
    if definition.clinic_kinds and clinic.kind not in definition.clinic_kinds:
        raise PathwayError(_("%(clinic)s does not run this kind of pathway.") % {"clinic": clinic.name})
    if _other_active(Pathway(patient=patient, clinic=clinic, type=type)).exists():
        raise PathwayError(_("The patient already has an active pathway of this kind at %(clinic)s.")
                           % {"clinic": clinic.name})
    pathway = Pathway(patient=patient, clinic=clinic, type=type, type_code=definition.code, created_at=now)
    if pathway_id:
        pathway.external_id = pathway_id
    pathway.save(force_insert=True)
    event = PathwayEvent(key=definition.start.key, date=date, comment=comment, source=source)
    if event_id:
        event.external_id = event_id
    _append(pathway, event, actor=actor, now=now)
    ensure_on_care_team(
        patient=patient, organisation=clinic, role=CareTeamMember.Role.SPECIALIST_CLINIC,
        valid_from=min(date, clock.oslo_date(now)), actor=actor, now=now,
    )
    return pathway


@transaction.atomic
def register_milestone(
    *, pathway: Pathway, key: str, date: dt.date, actor, now, outcome: str = "", comment: str = "",
    event_id: str | None = None, source: str = "form",
) -> PathwayEvent:
    """Register that a milestone happened on `date` (which may be back-dated)."""
    if (existing := _already_registered(event_id, pathway)) is not None:
        return existing
    pathway = Pathway.objects.select_for_update().get(pk=pathway.pk)
    if key == VOID:
        raise PathwayError(_("Use a correction to void an event."))
    if key not in pathway.definition.milestones:
        raise PathwayError(_("“%(key)s” is not a milestone of this pathway.") % {"key": key})
    event = PathwayEvent(key=key, date=date, outcome=outcome or "", comment=comment, source=source)
    if event_id:
        event.external_id = event_id
    return _append(pathway, event, actor=actor, now=now)


@transaction.atomic
def correct_event(
    *, pathway: Pathway, voids: PathwayEvent, reason: str, actor, now,
    key: str = VOID, date: dt.date | None = None, outcome: str = "", event_id: str | None = None,
    source: str = "form",
) -> PathwayEvent:
    """Void an earlier event, with a reason; optionally put a corrected milestone in its place.

    With key == "void" the earlier event simply stops counting. With a milestone key and a date,
    the new event replaces it (a wrong date or outcome corrected).
    """
    if (existing := _already_registered(event_id, pathway)) is not None:
        return existing
    pathway = Pathway.objects.select_for_update().get(pk=pathway.pk)
    if voids.pathway_id != pathway.pk:
        raise PathwayError(_("That event belongs to another pathway."))
    if not (reason or "").strip():
        raise PathwayError(_("A correction needs a reason."))
    if PathwayEvent.objects.filter(voids=voids).exists():
        raise PathwayError(_("That event has already been corrected."))
    if key != VOID and key not in pathway.definition.milestones:
        raise PathwayError(_("“%(key)s” is not a milestone of this pathway.") % {"key": key})
    if key != VOID and date is None:
        raise PathwayError(_("A corrected milestone needs a date."))
    event = PathwayEvent(
        key=key, date=date or voids.date, outcome=outcome or "", voids=voids, reason=reason.strip(), source=source,
    )
    if event_id:
        event.external_id = event_id
    return _append(pathway, event, actor=actor, now=now)
