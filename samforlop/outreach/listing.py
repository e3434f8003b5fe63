"""The outreach list: who is on it and why.

Three rules, each a function from the candidate patients (a queryset) to the reasons per patient,
computed for the whole list in a fixed number of queries however many patients there are:

- `no_contact`: no contact for the chosen number of months (see its docstring for what counts).
- `declined_or_dropped_out`: a recommendation declined or a measure stopped.
- `pathway_ended_without_owner`: the pathway has ended and nobody in the municipality holds the plan.

A recorded outreach that reached the patient (any result but "not reached") answers every reason
that arose until then: the patient leaves the list until a new reason arises after it. "Not
reached" answers nothing; the attempt is shown on the row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Exists, F, Max, OuterRef, Q, Subquery
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from samforlop.accounts.models import Organisation
from samforlop.careplan.models import Measure, Plan
from samforlop.checkins.actions import add_months
from samforlop.checkins.models import CheckIn, TrainingSession
from samforlop.core import clock
from samforlop.meetings.models import Meeting
from samforlop.messaging.models import Message
from samforlop.offers.models import Recommendation
from samforlop.outreach.models import Outreach, ReasonKind
from samforlop.outreach.rules import get_rules
from samforlop.pathways.models import Pathway
from samforlop.patients.models import CareTeamMember, Category, Patient, active_on


@dataclass(frozen=True)
class Reason:
    kind: str
    text: str
    # When the reason arose: a reached outreach at or after this answers it.
    arose_on: dt.date
    arose_at: dt.datetime | None = None

    def answered_by(self, outreach_at: dt.datetime | None) -> bool:
        if outreach_at is None:
            return False
        if self.arose_at is not None:
            return self.arose_at <= outreach_at
        return self.arose_on <= clock.oslo_date(outreach_at)

    @property
    def label(self) -> str:
        return ReasonKind(self.kind).label


@dataclass
class Row:
    patient: Patient
    reasons: list[Reason]
    attempts: list = field(default_factory=list)

    @property
    def kinds(self) -> list[str]:
        return sorted({r.kind for r in self.reasons})


def is_coordinating_unit(user) -> bool:
    organisation = getattr(user, "organisation", None)
    return organisation is not None and organisation.service == Organisation.Service.COORDINATING_UNIT


def candidates_for(user, today: dt.date):
    """Whose outreach list: the coordinating unit's staff have every patient they may see (their
    unit is on the care team); any other staff user the patients they are the named contact person
    for (and may see). Nobody else has any."""
    if getattr(user, "organisation_id", None) is None:
        return Patient.objects.none()
    members = CareTeamMember.objects.filter(active_on(today), patient=OuterRef("pk"))
    patients = Patient.objects.visible_to(user, today, Category.PLAN_AND_MEETINGS)
    if is_coordinating_unit(user):  # on the care team (not, say, through emergency access)
        return patients.filter(Exists(members.filter(organisation_id=user.organisation_id)))
    return patients.filter(Exists(members.filter(person_id=user.pk, is_contact_person=True)))


def _start_of_day_after(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=clock.OSLO)


def _contact_kinds():
    """(key, what it is in words, the patient's contacts of this kind, the field with its time).
    Each is a queryset over all patients with `patient` as its patient."""
    return [
        ("checkin", _("a check-in"), CheckIn.objects.all(), "patient", "submitted_at"),
        ("recommendation", _("an answer to a suggested offer"),
         Recommendation.objects.filter(answered_at__isnull=False), "patient", "answered_at"),
        ("meeting", _("a collaboration meeting held"), Meeting.objects.filter(status=Meeting.Status.HELD),
         "pathway__patient", "held_on"),
        ("outreach", _("an outreach that reached the patient"), Outreach.objects.filter(result__in=Outreach.REACHED),
         "patient", "at"),
        ("message", _("a message from the patient"), Message.objects.filter(kind="patient_message"), "patient",
         "created_at"),
        ("training", _("a training session in the diary"), TrainingSession.objects.all(), "measure__plan__patient",
         "logged_at"),
        ("plan_agreed", _("agreeing to the plan"), Plan.objects.filter(patient_agreed_at__isnull=False), "patient",
         "patient_agreed_at"),
    ]


def no_contact(patients, *, months: int, today: dt.date) -> dict:
    """Patients with no contact for `months` months or more.

    Contact is any of: a check-in submitted; a suggested offer (recommendation) answered, whatever
    the answer; a collaboration meeting held on the patient's pathway (its date); an outreach that
    reached the patient (any result but "not reached"); a message from the patient to a contact
    person; a session logged in the training diary; the patient agreeing to their plan.

    Since = the latest contact (its Oslo date), or, with none ever, the day the patient's care team
    started (the earliest care-team membership's from date). The patient is on the list when
    `since` is on or before the same day `months` months ago (the cut-off): a contact on the cut-off
    day is N months old and counts as none; a contact the day after keeps the patient off. One query.
    """
    cutoff = add_months(today, -months)
    after_cutoff = _start_of_day_after(cutoff)
    kinds = _contact_kinds()
    recent = Q()
    latest = {}
    for key, _what, queryset, patient_field, when in kinds:
        mine = queryset.filter(**{patient_field: OuterRef("pk")})
        is_date = when == "held_on"
        recent &= ~Exists(mine.filter(**{f"{when}__gt" if is_date else f"{when}__gte": cutoff if is_date else after_cutoff}))
        latest[f"last_{key}"] = Subquery(mine.order_by(f"-{when}").values(when)[:1])
    started = CareTeamMember.objects.filter(patient=OuterRef("pk"))
    rows = (patients.filter(recent, Exists(started.filter(valid_from__lte=cutoff)))
            .annotate(team_since=Subquery(started.order_by("valid_from").values("valid_from")[:1]), **latest)
            .values("pk", "team_since", *latest))
    reasons = {}
    for row in rows:
        contacts = []
        for key, what, _queryset, _field, _when in kinds:
            value = row[f"last_{key}"]
            if value is not None:
                contacts.append((value if isinstance(value, dt.date) and not isinstance(value, dt.datetime)
                                 else clock.oslo_date(value), str(what)))
        if contacts:
            since, what = max(contacts)
            text = ngettext(
                "No contact for %(months)s month or more: the last was %(what)s on %(date)s.",
                "No contact for %(months)s months or more: the last was %(what)s on %(date)s.", months,
            ) % {"months": months, "what": what, "date": since.strftime("%d.%m.%Y")}
        else:
            since = row["team_since"]
            text = ngettext(
                "No contact for %(months)s month or more: none since the care team started on %(date)s.",
                "No contact for %(months)s months or more: none since the care team started on %(date)s.", months,
            ) % {"months": months, "date": since.strftime("%d.%m.%Y")}
        reasons[row["pk"]] = [Reason(ReasonKind.NO_CONTACT, text, arose_on=add_months(since, months))]
    return reasons


def _last_reached_outreach(patient_ref: str):
    return Subquery(Outreach.objects.filter(patient=OuterRef(patient_ref), result__in=Outreach.REACHED)
                    .order_by("-at").values("at")[:1])


def declined_or_dropped_out(patients, *, today: dt.date) -> dict:
    """Patients who declined a recommended offer (what, when, their reason) or dropped out of a
    measure (it was stopped: title, when, why) after the last outreach that reached them. A
    declined recommendation stops its measure too; that is named once, as the declined offer.
    Two queries."""
    reasons: dict = {}
    declined = (Recommendation.objects.filter(patient__in=patients.values("pk"), status=Recommendation.Status.DECLINED)
                .annotate(last_outreach=_last_reached_outreach("patient_id"))
                .filter(Q(last_outreach__isnull=True) | Q(answered_at__gt=F("last_outreach")))
                .select_related("offer").order_by("answered_at"))
    for r in declined:
        text = _("Declined “%(offer)s” on %(date)s: “%(reason)s”.") % {
            "offer": r.offer.title, "date": clock.localtime(r.answered_at).strftime("%d.%m.%Y"),
            "reason": r.declined_reason or "–"}
        reasons.setdefault(r.patient_id, []).append(Reason(
            ReasonKind.DECLINED_OR_DROPPED_OUT, text, arose_on=clock.oslo_date(r.answered_at), arose_at=r.answered_at))
    stopped = (Measure.objects.filter(plan__patient__in=patients.values("pk"), status=Measure.Status.STOPPED,
                                      stopped_at__isnull=False)
               .exclude(recommendation__status=Recommendation.Status.DECLINED)
               .annotate(last_outreach=_last_reached_outreach("plan__patient_id"), patient_id=F("plan__patient_id"))
               .filter(Q(last_outreach__isnull=True) | Q(stopped_at__gt=F("last_outreach")))
               .order_by("stopped_at"))
    for m in stopped:
        text = _("Dropped out of the measure “%(title)s”: stopped on %(date)s because “%(reason)s”.") % {
            "title": m.title, "date": clock.localtime(m.stopped_at).strftime("%d.%m.%Y"), "reason": m.stop_reason or "–"}
        reasons.setdefault(m.patient_id, []).append(Reason(
            ReasonKind.DECLINED_OR_DROPPED_OUT, text, arose_on=clock.oslo_date(m.stopped_at), arose_at=m.stopped_at))
    return reasons


def pathway_ended_without_owner(patients, *, today: dt.date) -> dict:
    """Patients with no active pathway whose latest pathway has ended, and whom nobody in the
    municipality holds the plan for. Someone holds the plan when, today, the patient has a
    care-team coordinator (is_coordinator) from a municipal service or a GP office, or an open
    measure (planned or in progress) owned by a municipal service (the organisation kinds are in
    rules.toml, [plan_owner]). The reason names the pathway, its clinic, end date and outcome.
    One query."""
    rules = get_rules()
    pathways = Pathway.objects.filter(patient=OuterRef("pk"))
    coordinator = CareTeamMember.objects.filter(
        active_on(today), patient=OuterRef("pk"), is_coordinator=True,
        organisation__kind__in=rules.coordinator_organisation_kinds)
    measure = Measure.objects.filter(plan__patient=OuterRef("pk"), status__in=Measure.OPEN,
                                     organisation__kind__in=rules.measure_organisation_kinds)
    without_owner = patients.filter(
        ~Exists(pathways.filter(status=Pathway.Status.ACTIVE)), Exists(pathways.filter(status=Pathway.Status.ENDED)),
        ~Exists(coordinator), ~Exists(measure)).values("pk")
    latest = {}
    for pathway in (Pathway.objects.filter(patient__in=without_owner, status=Pathway.Status.ENDED)
                    .select_related("clinic").order_by("patient_id", "-ended_on", "-created_at")):
        latest.setdefault(pathway.patient_id, pathway)
    reasons = {}
    for patient_id, pathway in latest.items():
        definition = pathway.definition
        outcome = definition.outcomes.get(pathway.outcome)
        text = _("The pathway “%(pathway)s” at %(clinic)s ended on %(date)s (%(outcome)s), and nobody in the "
                 "municipality holds the plan.") % {
            "pathway": definition.name, "clinic": pathway.clinic.name, "date": pathway.ended_on.strftime("%d.%m.%Y"),
            "outcome": outcome.name if outcome else pathway.outcome}
        reasons[patient_id] = [Reason(ReasonKind.PATHWAY_ENDED_WITHOUT_OWNER, text, arose_on=pathway.ended_on)]
    return reasons


def last_reached_outreach(patients) -> dict:
    """The time of the last outreach that reached each patient. One query."""
    return dict(Outreach.objects.filter(patient__in=patients.values("pk"), result__in=Outreach.REACHED)
                .values("patient_id").annotate(last=Max("at")).values_list("patient_id", "last"))


def reasons_for(patients, *, months: int, today: dt.date) -> dict:
    """Every rule's reasons per patient, without those a reached outreach has answered. Five queries."""
    merged: dict = {}
    for rule in (no_contact(patients, months=months, today=today), declined_or_dropped_out(patients, today=today),
                 pathway_ended_without_owner(patients, today=today)):
        for patient_id, reasons in rule.items():
            merged.setdefault(patient_id, []).extend(reasons)
    answered = last_reached_outreach(patients)
    result = {}
    for patient_id, reasons in merged.items():
        left = [r for r in reasons if not r.answered_by(answered.get(patient_id))]
        if left:
            result[patient_id] = left
    return result


def ordered(reasons: dict) -> list:
    """Patient ids, the longest-waiting first (by the oldest reason)."""
    return sorted(reasons, key=lambda pid: (min(r.arose_on for r in reasons[pid]), str(pid)))


def attach_attempts(rows: list[Row]) -> None:
    """Every earlier outreach attempt for the patients on the rows, newest first. One query."""
    by_patient: dict = {}
    for attempt in (Outreach.objects.filter(patient__in=[row.patient.pk for row in rows])
                    .select_related("by", "organisation").order_by("-at")):
        by_patient.setdefault(attempt.patient_id, []).append(attempt)
    for row in rows:
        row.attempts = by_patient.get(row.patient.pk, [])
