"""Named operations on the offers catalogue: keep offers (and only one's own), CSV import and
export (all or nothing), matching offers to a patient, recommending actively and following up."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from samforlop.audit.models import record_audit
from samforlop.careplan.actions import add_measure, update_measure
from samforlop.careplan.models import Measure
from samforlop.checkins.actions import add_months
from samforlop.core import clock
from samforlop.messaging.actions import message_language, queue_message
from samforlop.offers.models import DiagnosisGroup, Need, Offer, OfferMunicipality, PeerInformation, Recommendation
from samforlop.patients.models import refuse_unless_health_personnel
from samforlop.tasks.models import Task

STALE_AFTER_MONTHS = 6
ANSWER_WITHIN_DAYS = 14
COURSE_WITHIN_DAYS = 26 * 7

CSV_COLUMNS = [
    "id", "title", "description", "kind", "municipalities", "open_without_diagnosis", "diagnosis_groups",
    "needs_referral", "needs_decision", "cost_nok", "counts_toward_exemption", "transport", "accessibility",
    "languages", "place", "schedule", "next_start_dates", "seats", "contact", "needs", "last_verified",
]
BOOLEAN_FIELDS = ["open_without_diagnosis", "needs_referral", "needs_decision", "counts_toward_exemption", "transport"]
TEXT_FIELDS = ["accessibility", "languages", "place", "schedule", "contact"]


class OfferError(ValidationError):
    pass


def is_stale(offer: Offer, today: dt.date) -> bool:
    return add_months(offer.last_verified, STALE_AFTER_MONTHS) <= today


def _clean(data: dict) -> tuple[dict, dict]:
    """Check one offer's fields; returns (values, errors by field)."""
    errors: dict[str, list[str]] = {}
    values = dict(data)
    if not str(values.get("title", "")).strip():
        errors["title"] = [_("Give the offer a title.")]
    if not str(values.get("description", "")).strip():
        errors["description"] = [_("Describe the offer.")]
    if values.get("kind") not in Offer.Kind.values:
        errors["kind"] = [_("Choose a kind of offer.")]
    municipalities = values.get("municipalities") or []
    if not municipalities or any(not re.fullmatch(r"\d{4}", m) for m in municipalities):
        errors["municipalities"] = [_("Give the municipality numbers served: four digits each.")]
    if set(values.get("diagnosis_groups") or []) - set(DiagnosisGroup.values):
        errors["diagnosis_groups"] = [_("Unknown diagnosis group.")]
    if not values.get("open_without_diagnosis") and not values.get("diagnosis_groups"):
        errors["diagnosis_groups"] = [_("An offer not open to everyone must name the diagnosis groups it is for.")]
    if set(values.get("needs") or []) - set(Need.values):
        errors["needs"] = [_("Unknown need.")]
    cost = values.get("cost_nok")
    if cost is None or not isinstance(cost, int) or cost < 0:
        errors["cost_nok"] = [_("The cost is a whole number of kroner, 0 or more.")]
    return values, errors


@transaction.atomic
def save_offer(*, editor, fields: dict, municipalities: list[str], now, offer: Offer | None = None) -> Offer:
    """Create or change one of the editor's organisation's offers. Saving verifies it (today)."""
    if editor.organisation_id is None:
        raise OfferError(_("Only staff of the providing organisation keep its offers."))
    if offer is not None and offer.provider_id != editor.organisation_id:
        raise OfferError(_("You can only change your own organisation's offers."))
    values, errors = _clean({**fields, "municipalities": municipalities})
    if errors:
        raise OfferError(errors)
    today = clock.oslo_date(now)
    values.pop("municipalities")
    values.pop("id", None)
    values["last_verified"] = values.get("last_verified") or today
    if offer is None:
        offer = Offer(provider=editor.organisation, created_at=now)
    for name, value in values.items():
        setattr(offer, name, value)
    offer.updated_at = now
    offer.save()
    OfferMunicipality.objects.filter(offer=offer).delete()
    OfferMunicipality.objects.bulk_create(OfferMunicipality(offer=offer, municipality=m) for m in sorted(set(municipalities)))
    record_audit(actor=editor, action="offer_saved", obj=offer, at=now)
    return offer


@transaction.atomic
def verify_offer(*, offer: Offer, editor, now) -> Offer:
    if offer.provider_id != editor.organisation_id:
        raise OfferError(_("You can only change your own organisation's offers."))
    offer.last_verified, offer.updated_at = clock.oslo_date(now), now
    offer.save(update_fields=["last_verified", "updated_at"])
    record_audit(actor=editor, action="offer_verified", obj=offer, at=now)
    return offer


def _split(value: str) -> list[str]:
    return [part for part in re.split(r"[;\s,]+", value or "") if part]


def _parse_row(row: dict) -> tuple[dict, list[str], list[str]]:
    """One CSV row into offer fields; returns (fields, municipalities, problems)."""
    problems, fields = [], {}
    for name in ("id", "title", "description", "kind", *TEXT_FIELDS):
        fields[name] = (row.get(name) or "").strip()
    for name in BOOLEAN_FIELDS:
        raw = (row.get(name) or "").strip().lower()
        if raw not in ("", "ja", "nei", "yes", "no", "1", "0", "true", "false"):
            problems.append(_("%(column)s: “%(value)s” is not yes or no") % {"column": name, "value": raw})
        fields[name] = raw in ("ja", "yes", "1", "true")
    if not (row.get("open_without_diagnosis") or "").strip():
        fields["open_without_diagnosis"] = True
    for name in ("cost_nok", "seats"):
        raw = (row.get(name) or "").strip()
        if raw and not raw.isdigit():
            problems.append(_("%(column)s: “%(value)s” is not a whole number") % {"column": name, "value": raw})
        fields[name] = int(raw) if raw.isdigit() else (0 if name == "cost_nok" else None)
    fields["diagnosis_groups"] = _split(row.get("diagnosis_groups", ""))
    fields["needs"] = _split(row.get("needs", ""))
    dates = []
    for raw in _split(row.get("next_start_dates", "")):
        try:
            dates.append(dt.date.fromisoformat(raw).isoformat())
        except ValueError:
            problems.append(_("next_start_dates: “%(value)s” is not a date YYYY-MM-DD") % {"value": raw})
    fields["next_start_dates"] = dates
    raw = (row.get("last_verified") or "").strip()
    try:
        fields["last_verified"] = dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        problems.append(_("last_verified: “%(value)s” is not a date YYYY-MM-DD") % {"value": raw})
        fields["last_verified"] = None
    return fields, _split(row.get("municipalities", "")), problems


class ImportFailed(Exception):
    def __init__(self, errors):
        self.errors = errors
        super().__init__(f"{len(errors)} error(s)")


def import_offers_csv(*, editor, text: str, now) -> int:
    """All or nothing: every row is checked; one bad row stores nothing, and every error is named by
    its line number."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in ("title", "description", "kind", "municipalities") if c not in (reader.fieldnames or [])]
    if missing:
        raise ImportFailed([(1, _("missing column(s): %(columns)s") % {"columns": ", ".join(missing)})])
    errors, saved = [], 0
    with transaction.atomic():
        for line, row in enumerate(reader, start=2):
            fields, municipalities, problems = _parse_row(row)
            offer = None
            if fields["id"]:
                offer = Offer.objects.filter(pk=fields["id"]).first() if re.fullmatch(r"[0-9a-f-]{32,36}", fields["id"]) else None
                if offer is None or offer.provider_id != editor.organisation_id:
                    problems.append(_("id: no offer of yours with this id"))
            if not problems:
                try:
                    with transaction.atomic():
                        save_offer(editor=editor, fields=fields, municipalities=municipalities, now=now, offer=offer)
                    saved += 1
                except OfferError as e:
                    problems += [f"{field}: {' '.join(msgs)}" for field, msgs in e.message_dict.items()]
            errors += [(line, problem) for problem in problems]
        if errors:
            transaction.set_rollback(True)
    if errors:
        raise ImportFailed(errors)
    return saved


def export_offers_csv(provider) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    for offer in Offer.objects.filter(provider=provider).prefetch_related("served").order_by("title"):
        row = {name: getattr(offer, name) for name in CSV_COLUMNS if name not in ("id", "municipalities")}
        row.update({
            "id": str(offer.pk), "municipalities": " ".join(s.municipality for s in offer.served.all()),
            "diagnosis_groups": " ".join(offer.diagnosis_groups), "needs": " ".join(offer.needs),
            "next_start_dates": " ".join(offer.next_start_dates), "last_verified": offer.last_verified.isoformat(),
            "seats": offer.seats if offer.seats is not None else "",
            **{name: "ja" if getattr(offer, name) else "nei" for name in BOOLEAN_FIELDS},
        })
        writer.writerow(row)
    return out.getvalue()


# --- Matching ----------------------------------------------------------------------------------------

def usable_by(offer: Offer, patient) -> bool:
    """Nothing the patient cannot use: diagnosis-specific offers for another group are out."""
    if offer.open_without_diagnosis:
        return True
    return bool(patient.diagnosis_group) and patient.diagnosis_group in offer.diagnosis_groups


def plan_needs(patient) -> set[str]:
    from samforlop.careplan.models import Goal

    needs = set()
    for goal in Goal.objects.filter(plan__patient=patient, status=Goal.Status.ACTIVE):
        needs.update(goal.needs)
    return needs


def match_offers(patient, today: dt.date, limit: int = 20):
    """Offers in the patient's municipality that they can use, ranked; each with why."""
    offers = Offer.objects.filter(served__municipality=patient.municipality).select_related("provider").distinct()
    needs = plan_needs(patient)
    ranked = []
    for offer in offers:
        if not usable_by(offer, patient):
            continue
        points, why = 0, []
        shared = needs & set(offer.needs)
        if shared:
            points += 3 * len(shared)
            why.append(_("Fits the goals in the plan: %(needs)s") % {"needs": ", ".join(str(Need(n).label).lower() for n in sorted(shared))})
        if patient.diagnosis_group and patient.diagnosis_group in offer.diagnosis_groups:
            points += 2
            why.append(_("Made for the patient's diagnosis group"))
        if offer.low_threshold:
            points += 2 if patient.prefers_no_referral else 0
            why.append(_("No referral needed"))
        if offer.is_free:
            points += 2 if patient.prefers_low_cost else 0
            why.append(_("Free"))
        elif offer.cost_nok <= 500 and patient.prefers_low_cost:
            points += 1
            why.append(_("Low cost (%(nok)s kr)") % {"nok": offer.cost_nok})
        if offer.transport:
            points += 2 if patient.needs_transport else 0
            why.append(_("Transport offered"))
        if is_stale(offer, today):
            points -= 1
            why.append(_("Not verified for more than 6 months: check that it still runs"))
        ranked.append((points, offer.title, offer, why))
    ranked.sort(key=lambda r: (-r[0], r[1]))
    return [(offer, points, why) for points, _title, offer, why in ranked[:limit]]


# --- Recommendation --------------------------------------------------------------------------------

@transaction.atomic
def recommend_offer(*, offer: Offer, patient, note: str = "", actor, now, submission_id) -> Recommendation:
    """A professional recommends an offer: it becomes a measure in the plan and a message to the patient."""
    if (existing := Recommendation.objects.filter(submission_id=submission_id).first()) is not None:
        return existing
    if patient.municipality not in set(offer.served.values_list("municipality", flat=True)):
        raise OfferError(_("This offer does not serve the patient's municipality."))
    if not usable_by(offer, patient):
        raise OfferError(_("This offer is for another diagnosis group."))
    measure = add_measure(patient=patient, title=offer.title, description=note or offer.description[:500],
                          organisation=actor.organisation, person=actor, actor=actor, now=now,
                          cost_nok=offer.cost_nok, counts_toward_ceiling=offer.counts_toward_exemption,
                          submission_id=submission_id)
    recommendation = Recommendation.objects.create(offer=offer, patient=patient, recommended_by=actor,
                                                   recommended_at=now, note=note.strip(), measure=measure,
                                                   submission_id=submission_id)
    record_audit(actor=actor, action="offer_recommended", obj=recommendation, at=now, offer=str(offer.pk))
    with message_language():
        queue_message(kind="offer_recommended", recipient_patient=patient, patient=patient, now=now,
                      subject=_("A suggestion for you"), link=reverse("portal:offers"),
                      body=_("%(who)s suggests “%(offer)s” for you. %(note)s Tell us what you think: interested, "
                             "signed up, started, or not for you.") % {
                          "who": actor.display_name, "offer": offer.title, "note": note.strip()})
    return recommendation


MEASURE_STATUS = {
    Recommendation.Status.STARTED: Measure.Status.IN_PROGRESS,
    Recommendation.Status.COMPLETED: Measure.Status.DONE,
    Recommendation.Status.DECLINED: Measure.Status.STOPPED,
}


@transaction.atomic
def answer_recommendation(*, recommendation: Recommendation, status: str, reason: str = "", actor, now) -> Recommendation:
    recommendation = Recommendation.objects.select_for_update(of=("self",)).select_related("measure").get(pk=recommendation.pk)
    if actor.patient_id != recommendation.patient_id:
        raise OfferError(_("Only the patient answers the suggestion."))
    if status not in Recommendation.Status.values or status == Recommendation.Status.RECOMMENDED:
        raise OfferError({"status": [_("Choose an answer.")]})
    if status == Recommendation.Status.DECLINED and not reason.strip():
        raise OfferError({"reason": [_("Tell us briefly why it is not for you: it helps us suggest better.")]})
    recommendation.status, recommendation.answered_at = status, now
    recommendation.declined_reason = reason.strip() if status == Recommendation.Status.DECLINED else ""
    recommendation.save(update_fields=["status", "answered_at", "declined_reason"])
    measure = recommendation.measure
    if measure is not None and status in MEASURE_STATUS and measure.status != MEASURE_STATUS[status]:
        update_measure(measure=measure, revision=measure.revision, status=MEASURE_STATUS[status],
                       stop_reason=recommendation.declined_reason, start_on=measure.start_on, due_on=measure.due_on,
                       actor=actor, now=now)
    record_audit(actor=actor, action="recommendation_answered", obj=recommendation, at=now, status=status)
    return recommendation


def uptake_for(offers) -> dict:
    """Uptake per offer (recommended, started, declined and the reasons), in one query for a list."""
    result = {o.pk: {"recommended": 0, "started": 0, "declined": 0, "unanswered": 0, "reasons": []} for o in offers}
    for offer_id, status, reason in Recommendation.objects.filter(offer__in=list(result)).values_list(
            "offer_id", "status", "declined_reason"):
        counts = result[offer_id]
        counts["recommended"] += 1
        if status in (Recommendation.Status.STARTED, Recommendation.Status.COMPLETED):
            counts["started"] += 1
        elif status == Recommendation.Status.DECLINED:
            counts["declined"] += 1
            counts["reasons"].append(reason)
        elif status == Recommendation.Status.RECOMMENDED:
            counts["unanswered"] += 1
    return result


def uptake(offer: Offer) -> dict:
    return uptake_for([offer])[offer.pk]


def recommendation_reminder_step(now) -> str | None:
    """No answer after 14 days: one reminder to the patient and a task on the recommender's list."""
    with transaction.atomic():
        recommendation = (Recommendation.objects.select_for_update(skip_locked=True, of=("self",))
                          .filter(status=Recommendation.Status.RECOMMENDED, reminder_sent_at__isnull=True,
                                  recommended_at__lte=now - dt.timedelta(days=ANSWER_WITHIN_DAYS))
                          .select_related("offer", "patient", "recommended_by").first())
        if recommendation is None:
            return None
        recommendation.reminder_sent_at = now
        recommendation.save(update_fields=["reminder_sent_at"])
        with message_language():
            queue_message(kind="offer_reminder", recipient_patient=recommendation.patient,
                          patient=recommendation.patient, now=now, subject=_("A reminder from Samforløp"),
                          link=reverse("portal:offers"),
                          body=_("Have you had a look at “%(offer)s”? Tell us what you think.")
                          % {"offer": recommendation.offer.title},
                          dedupe_key=f"offer_reminder:{recommendation.pk}")
            Task.objects.create(
                patient=recommendation.patient, organisation=recommendation.recommended_by.organisation,
                kind=Task.Kind.FOLLOW_UP_RECOMMENDATION, source=Task.Source.RECOMMENDATION, created_at=now,
                due_on=clock.oslo_date(now) + dt.timedelta(days=7),
                reason=_("No answer to the suggestion “%(offer)s” after 14 days.") % {"offer": recommendation.offer.title})
        return "offer_reminder"


def stale_offer_step(now) -> str | None:
    """Tell the editors once when an offer has not been verified for 6 months."""
    from samforlop.messaging.models import Message

    today = clock.oslo_date(now)
    cutoff = add_months(today, -STALE_AFTER_MONTHS)
    for offer in Offer.objects.filter(last_verified__lte=cutoff).select_related("provider").order_by("last_verified")[:200]:
        key = f"offer_stale:{offer.pk}:{offer.last_verified.isoformat()}"
        if Message.objects.filter(dedupe_key=key).exists():
            continue
        with message_language():
            queue_message(kind="offer_stale", recipient_organisation=offer.provider, now=now, dedupe_key=key,
                          subject=_("An offer needs checking"), link=reverse("offers:mine"),
                          body=_("“%(offer)s” has not been verified since %(date)s. Check it and save, so the public "
                                 "sees that it is up to date.") % {"offer": offer.title,
                                                                   "date": offer.last_verified.strftime("%d.%m.%Y")})
        return "offer_stale"
    return None


@transaction.atomic
def update_matching_preferences(*, patient, diagnosis_group: str, prefers_no_referral: bool, prefers_low_cost: bool,
                                needs_transport: bool, actor, now):
    """What the offers are matched against: the diagnosis group and what the patient prefers."""
    refuse_unless_health_personnel(actor, "The diagnosis group")
    if diagnosis_group and diagnosis_group not in DiagnosisGroup.values:
        raise OfferError({"diagnosis_group": [_("Unknown diagnosis group.")]})
    patient.diagnosis_group, patient.prefers_no_referral = diagnosis_group, prefers_no_referral
    patient.prefers_low_cost, patient.needs_transport = prefers_low_cost, needs_transport
    patient.save(update_fields=["diagnosis_group", "prefers_no_referral", "prefers_low_cost", "needs_transport"])
    record_audit(actor=actor, action="matching_preferences_updated", obj=patient, at=now)
    return patient


@transaction.atomic
def record_peer_information(*, patient, note: str = "", actor, now) -> PeerInformation:
    """The patient has been told about user organisations and peer contacts (SINTEF point 4)."""
    refuse_unless_health_personnel(actor, "Peer information")
    information = PeerInformation.objects.create(patient=patient, told_by=actor, told_at=now, note=note.strip())
    record_audit(actor=actor, action="peer_information_recorded", obj=information, at=now)
    return information


def course_flags(clinic, today: dt.date, limit: int = 100):
    """Patients whose assessment ended with the summarizing meeting 26 weeks ago or more, and who
    have not completed a learning-and-coping course within those 26 weeks (SINTEF point 5)."""
    from samforlop.pathways.models import PathwayTime

    rows = list(PathwayTime.objects.filter(
        clinic=clinic, limit="assessment_time", reached_on__isnull=False,
        reached_on__lte=today - dt.timedelta(days=COURSE_WITHIN_DAYS),
    ).select_related("pathway__patient").order_by("reached_on")[:1000])
    completed = {}
    for patient_id, answered_at in Recommendation.objects.filter(
            patient_id__in={r.pathway.patient_id for r in rows}, offer__kind__in=Offer.COURSE_KINDS,
            status=Recommendation.Status.COMPLETED).values_list("patient_id", "answered_at"):
        completed.setdefault(patient_id, []).append(clock.oslo_date(answered_at))
    flagged = []
    for row in rows:
        deadline = row.reached_on + dt.timedelta(days=COURSE_WITHIN_DAYS)
        if not any(day <= deadline for day in completed.get(row.pathway.patient_id, [])):
            flagged.append((row.pathway.patient, deadline))
    return flagged[:limit]


def not_told_about_peers(clinic, limit: int = 100):
    """Patients in the clinic's active pathways with no record of being told about user
    organisations and peer contacts."""
    from samforlop.pathways.models import Pathway

    return list(Pathway.objects.filter(clinic=clinic, status="active")
                .exclude(patient__peer_information__isnull=False)
                .select_related("patient").order_by("started_on")[:limit])
