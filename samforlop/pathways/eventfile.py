"""The pathway-event JSON Lines format shared by import_events and export_events.

One event per line:
  {"id": "…", "pathway": "…", "type": "smerte", "patient": "<identity number>",
   "clinic": "<organisation number>", "event": "<milestone key or 'void'>", "date": "YYYY-MM-DD",
   "outcome": "<only for pathway_end>", "voids": "<id of an earlier event>", "reason": "…",
   "comment": "…"}
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from samforlop.accounts.models import Organisation
from samforlop.pathways import actions
from samforlop.pathways.definitions import VOID, all_definitions
from samforlop.pathways.models import Pathway, PathwayEvent
from samforlop.patients import identity
from samforlop.patients.models import Patient

FIELDS = ("id", "pathway", "type", "patient", "clinic", "event", "date", "outcome", "voids", "reason", "comment")
REQUIRED = ("id", "pathway", "type", "patient", "clinic", "event", "date")


@dataclass
class ImportResult:
    created: int = 0
    already_present: int = 0
    errors: list[tuple[int, str]] | None = None


class ImportFailed(Exception):
    def __init__(self, errors: list[tuple[int, str]]):
        self.errors = errors
        super().__init__(f"{len(errors)} error(s)")


class _LineError(Exception):
    pass


def _parse_line(text: str) -> dict:
    try:
        record = json.loads(text)
    except json.JSONDecodeError as e:
        raise _LineError(_("not valid JSON (%(error)s)") % {"error": e.msg})
    if not isinstance(record, dict):
        raise _LineError(_("must be a JSON object"))
    unknown = sorted(set(record) - set(FIELDS))
    if unknown:
        raise _LineError(_("unknown field(s): %(fields)s") % {"fields": ", ".join(unknown)})
    missing = [f for f in REQUIRED if not record.get(f)]
    if missing:
        raise _LineError(_("missing field(s): %(fields)s") % {"fields": ", ".join(missing)})
    for name in FIELDS:
        if name in record and record[name] is not None and not isinstance(record[name], str):
            raise _LineError(_("field “%(field)s” must be a string") % {"field": name})
    try:
        record["date"] = dt.date.fromisoformat(record["date"])
    except ValueError:
        raise _LineError(_("date: “%(value)s” is not a date in the form YYYY-MM-DD") % {"value": record["date"]})
    return record


def _patient(record, create_missing, now, clinic) -> Patient:
    try:
        number = identity.validate_identity_number(record["patient"])
    except ValidationError as e:
        # Never echo the number itself: error output may end up in logs.
        raise _LineError(_("patient: %(problem)s") % {"problem": " ".join(e.messages)})
    patient = Patient.objects.filter(national_id=number).first()
    if patient is None:
        if not create_missing:
            raise _LineError(_("patient: no patient with this identity number (use --create-missing to create)"))
        from samforlop.patients.actions import register_patient

        patient = register_patient(
            given_name=_("Unknown"), family_name=_("(imported)"), national_id=number,
            municipality=clinic.municipality, actor=None, now=now,
        )
    return patient


def _clinic(record, create_missing) -> Organisation:
    clinic = Organisation.objects.filter(org_number=record["clinic"]).first()
    if clinic is not None:
        return clinic
    if not create_missing:
        raise _LineError(_("clinic: no organisation with number %(orgnr)s (use --create-missing to create)")
                         % {"orgnr": record["clinic"]})
    definition = all_definitions().get(record["type"])
    clinic = Organisation(
        org_number=record["clinic"], name=_("Clinic %(orgnr)s") % {"orgnr": record["clinic"]},
        kind=(definition.clinic_kinds[0] if definition and definition.clinic_kinds else Organisation.Kind.PAIN_CLINIC),
        municipality="0000",
    )
    try:
        clinic.full_clean()
    except ValidationError as e:
        raise _LineError(_("clinic: %(problem)s") % {"problem": " ".join(e.messages)})
    clinic.save()
    return clinic


def _apply(record, *, create_missing, now) -> bool:
    """Apply one record; False when the same event is already stored (a re-run)."""
    if record["type"] not in all_definitions():
        raise _LineError(_("type: unknown pathway type “%(type)s”") % {"type": record["type"]})
    definition = all_definitions()[record["type"]]
    key = record["event"]
    if key != VOID and key not in definition.milestones:
        raise _LineError(_("event: “%(key)s” is not a milestone of %(type)s (one of: %(keys)s)")
                         % {"key": key, "type": record["type"], "keys": ", ".join([*definition.milestones, VOID])})
    outcome = record.get("outcome") or ""
    if outcome and outcome not in definition.outcomes:
        raise _LineError(_("outcome: “%(outcome)s” is not an outcome of %(type)s (one of: %(keys)s)")
                         % {"outcome": outcome, "type": record["type"], "keys": ", ".join(definition.outcomes)})
    existing = PathwayEvent.objects.filter(external_id=record["id"]).select_related(
        "pathway__patient", "pathway__clinic", "voids").first()
    if existing is not None:
        if _as_record(existing) != _normalised(record):
            raise _LineError(_("id: an event with this id is already stored with other content"))
        return False

    clinic = _clinic(record, create_missing)
    patient = _patient(record, create_missing, now, clinic)
    pathway = Pathway.objects.filter(external_id=record["pathway"]).first()
    common = dict(actor=None, now=now, event_id=record["id"], source="import")
    if pathway is None:
        if record.get("voids") or key != definition.start.key:
            raise _LineError(_("pathway: unknown pathway; its first line must be %(start)s")
                             % {"start": definition.start.key})
        actions.start_pathway(patient=patient, clinic=clinic, type=record["type"], date=record["date"],
                              pathway_id=record["pathway"], comment=record.get("comment") or "", **common)
        return True
    if pathway.type != record["type"] or pathway.patient_id != patient.pk or pathway.clinic_id != clinic.pk:
        raise _LineError(_("pathway: the pathway exists with another type, patient or clinic"))
    if record.get("voids"):
        target = PathwayEvent.objects.filter(pathway=pathway, external_id=record["voids"]).first()
        if target is None:
            raise _LineError(_("voids: no earlier event with this id on the pathway"))
        actions.correct_event(pathway=pathway, voids=target, reason=record.get("reason") or "", key=key,
                              date=record["date"] if key != VOID else None, outcome=outcome, **common)
    else:
        actions.register_milestone(pathway=pathway, key=key, date=record["date"], outcome=outcome,
                                   comment=record.get("comment") or "", **common)
    return True


def _normalised(record) -> dict:
    out = {k: record.get(k) or "" for k in FIELDS}
    out["date"] = record["date"].isoformat() if isinstance(record["date"], dt.date) else record["date"]
    out["patient"] = identity.compact(out["patient"])
    return out


def _as_record(event: PathwayEvent) -> dict:
    pathway = event.pathway
    return {
        "id": event.external_id, "pathway": pathway.external_id, "type": pathway.type,
        "patient": pathway.patient.national_id, "clinic": pathway.clinic.org_number,
        "event": event.key, "date": event.date.isoformat(), "outcome": event.outcome,
        "voids": event.voids.external_id if event.voids_id else "", "reason": event.reason, "comment": event.comment,
    }


def import_lines(lines, *, create_missing: bool, now) -> ImportResult:
    """All or nothing: every line is checked in one transaction; any error rolls everything back
    and ImportFailed lists every error by line number."""
    result = ImportResult()
    errors: list[tuple[int, str]] = []
    with transaction.atomic():
        for number, text in enumerate(lines, start=1):
            if not text.strip():
                continue
            try:
                record = _parse_line(text)
                with transaction.atomic():  # a savepoint, so one failed line leaves the rest usable
                    applied = _apply(record, create_missing=create_missing, now=now)
                result.created += applied
                result.already_present += not applied
            except _LineError as e:
                errors.append((number, str(e)))
            except ValidationError as e:
                errors.append((number, " ".join(e.messages)))
        if errors:
            transaction.set_rollback(True)
    if errors:
        raise ImportFailed(errors)
    return result


def export_records(pathways=None):
    """Every event, corrections included, in registration order: importing them reproduces the state."""
    events = PathwayEvent.objects.select_related("pathway__patient", "pathway__clinic", "voids").order_by("pk")
    if pathways is not None:
        events = events.filter(pathway__in=pathways)
    for event in events.iterator(chunk_size=2000):
        record = _as_record(event)
        yield {k: v for k, v in record.items() if v or k in REQUIRED}
