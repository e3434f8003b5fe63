"""Pathways (forløp) as append-only logs of coded events, with derived columns for the worklist.

The event log is the truth. Status, phase, next milestone and its deadline are derived from it by
`state.derive()` and stored on the pathway in the same transaction as the event that changed
them (like Healthchecks' Check.alert_after), so the worklist is one indexed query.
"""

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from samforlop.core import clock
from samforlop.pathways import state as pathway_state
from samforlop.pathways.definitions import PathwayDefinition, get_definition


def new_external_id() -> str:
    return str(uuid.uuid4())


class PathwayQuerySet(models.QuerySet):
    def visible_to(self, user, today, category, now=None):
        """Pathways of patients `user` may see: the patient guard, applied through the pathway."""
        from samforlop.patients.models import visibility_condition

        condition = visibility_condition(user, today, patient_field="patient_id", now=now, category=category)
        return self.none() if condition is None else self.filter(condition)

    def with_deadline_state(self, state: str, today):
        """Active pathways whose next deadline is breached, at risk or running on `today`
        (the same boundaries as state.deadline_state(), as an indexed range)."""
        at_risk_until = today + dt.timedelta(days=settings.AT_RISK_DAYS)
        ranges = {
            pathway_state.BREACHED: {"next_deadline__lt": today},
            pathway_state.AT_RISK: {"next_deadline__gte": today, "next_deadline__lte": at_risk_until},
            pathway_state.RUNNING: {"next_deadline__gt": at_risk_until},
        }
        return self.filter(**ranges[state])


class Pathway(models.Model):
    class Status(models.TextChoices):
        ACTIVE = pathway_state.ACTIVE, _("Active")
        ENDED = pathway_state.ENDED, _("Ended")
        VOIDED = pathway_state.VOIDED, _("Registered in error")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # The key used by imports and exports (a clinic's own pathway id when migrated).
    external_id = models.CharField(max_length=100, unique=True, default=new_external_id)
    type = models.CharField(_("pathway type"), max_length=32)
    # The pathway type's code (registered with the start event, for the national patient registry).
    type_code = models.CharField(max_length=32, blank=True)
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="pathways")
    clinic = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="pathways")
    created_at = models.DateTimeField()

    # Derived from the event log by refresh_state(); never set directly.
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    phase = models.CharField(max_length=64, blank=True)
    next_milestone = models.CharField(max_length=64, blank=True)
    next_deadline = models.DateField(null=True)
    started_on = models.DateField(null=True)
    ended_on = models.DateField(null=True)
    outcome = models.CharField(max_length=64, blank=True)

    objects = PathwayQuerySet.as_manager()

    DERIVED_FIELDS = ["status", "phase", "next_milestone", "next_deadline", "started_on", "ended_on", "outcome"]

    class Meta:
        indexes = [
            # The worklist: a clinic's active pathways by next deadline (id breaks ties, so the
            # index gives the whole order and a page stops after its rows).
            models.Index(fields=["clinic", "status", "next_deadline", "id"], name="pathway_worklist"),
            models.Index(fields=["status", "next_deadline"], name="pathway_deadline"),
        ]
        constraints = [
            # Backstop for start_pathway()/correct_event(), which refuse this with a message.
            models.UniqueConstraint(
                fields=["patient", "clinic", "type"], condition=models.Q(status="active"),
                name="one_active_pathway_per_kind_and_clinic",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.external_id}"

    @property
    def definition(self) -> PathwayDefinition:
        return get_definition(self.type)

    def events_in_order(self):
        return sorted(self.events.all(), key=lambda e: e.pk)

    def derive(self, today=None, events=None) -> pathway_state.PathwayState:
        events = self.events_in_order() if events is None else events
        return pathway_state.derive(
            self.definition,
            pathway_state.effective_events(events),
            today or clock.today(),
            settings.AT_RISK_DAYS,
        )

    def refresh_state(self, derived: pathway_state.PathwayState) -> None:
        """Store the derived columns (called by the operation that appended an event)."""
        self.status = derived.status
        self.phase = derived.phase or ""
        self.next_milestone = derived.next_milestone or ""
        self.next_deadline = derived.next_deadline
        self.started_on = derived.started_on
        self.ended_on = derived.ended_on
        self.outcome = derived.outcome
        self.save(update_fields=self.DERIVED_FIELDS)
        # The time-limit rows are derived too: rewritten with the pathway's columns.
        PathwayTime.objects.filter(pathway=self).delete()
        PathwayTime.objects.bulk_create(PathwayTime.rows_for(self, derived))

    def days_left(self, today):
        return None if self.next_deadline is None else (self.next_deadline - today).days

    def deadline_state(self, today):
        return pathway_state.deadline_state(self.days_left(today), settings.AT_RISK_DAYS)

    @property
    def phase_name(self):
        phase = self.definition.phases.get(self.phase)
        return phase.name if phase else ""

    @property
    def next_milestone_name(self):
        definition = self.definition
        for limit in definition.time_limits:
            if limit.to_milestone == self.next_milestone:
                return definition.next_step_name(limit)
        milestone = definition.milestones.get(self.next_milestone)
        return milestone.name if milestone else ""


class PathwayEvent(models.Model):
    """One coded event. Never edited or deleted: a correction is a new event that voids this one."""

    external_id = models.CharField(max_length=100, unique=True, default=new_external_id)
    pathway = models.ForeignKey(Pathway, on_delete=models.PROTECT, related_name="events")
    key = models.CharField(_("event"), max_length=64)
    date = models.DateField(_("date"))
    outcome = models.CharField(_("outcome"), max_length=64, blank=True)
    # The codes as the definition had them when the event was registered (a registry report must
    # not change when a definition is edited later).
    code = models.CharField(max_length=32, blank=True)
    outcome_code = models.CharField(max_length=32, blank=True)
    voids = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="voided_by"
    )
    reason = models.TextField(_("reason"), blank=True)
    comment = models.TextField(_("comment"), blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    registered_at = models.DateTimeField()
    source = models.CharField(max_length=16, default="form")

    class Meta:
        indexes = [models.Index(fields=["pathway", "id"])]

    def __str__(self) -> str:
        return f"{self.key} {self.date}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise RuntimeError("Pathway events are append-only; register a correction instead")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("Pathway events are append-only; register a correction instead")

    @property
    def is_void(self) -> bool:
        return self.key == "void"


class PathwayTime(models.Model):
    """A pathway's time limits as derived rows (forløpstider): when each started, when it was
    reached and in how many days. Rewritten with the pathway's derived columns; read by the
    clinic's real recent times and by reports."""

    pathway = models.ForeignKey(Pathway, on_delete=models.CASCADE, related_name="times")
    limit = models.CharField(max_length=64)
    state = models.CharField(max_length=16)
    started_on = models.DateField(null=True)
    reached_on = models.DateField(null=True)
    elapsed_days = models.IntegerField(null=True)
    # Copied from the pathway so the report query needs no join.
    clinic = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    type = models.CharField(max_length=32)

    class Meta:
        # Covers the report's query: the days are read from the index, never from the table.
        indexes = [models.Index(fields=["clinic", "type", "limit", "reached_on", "elapsed_days"],
                                name="pathway_time_report")]
        constraints = [models.UniqueConstraint(fields=["pathway", "limit"], name="one_row_per_limit")]

    @classmethod
    def rows_for(cls, pathway: Pathway, derived) -> list["PathwayTime"]:
        return [
            cls(pathway=pathway, limit=ls.limit.key, state=ls.state,
                started_on=ls.deadline - dt.timedelta(days=ls.limit.days) if ls.deadline else None,
                reached_on=ls.done_on, elapsed_days=ls.elapsed_days, clinic_id=pathway.clinic_id, type=pathway.type)
            for ls in derived.limits
        ]
