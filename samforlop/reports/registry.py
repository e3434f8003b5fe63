"""Registry export: the pathway events of a period with their codes, dates, organisation numbers
and the patient's identity number, in the registry's shape. Deterministic: the same period gives
the same bytes."""

from __future__ import annotations

import csv
import io
import json

from samforlop.pathways import state as pathway_state
from samforlop.pathways.definitions import all_definitions
from samforlop.pathways.models import PathwayEvent
from samforlop.pathways.definitions import VOID

COLUMNS = ["pathway_id", "pathway_type_code", "event", "event_code", "outcome_code", "date", "clinic_orgnr",
           "patient_national_id"]


def records(date_from, date_to, clinic_ids=None):
    """The events in force (voided ones left out), dated in the period, in a fixed order."""
    events = (PathwayEvent.objects.filter(date__gte=date_from, date__lte=date_to)
              .select_related("pathway__patient", "pathway__clinic"))
    if clinic_ids is not None:
        events = events.filter(pathway__clinic_id__in=clinic_ids)
    by_pathway: dict = {}
    for event in events.order_by("pathway_id", "pk"):
        by_pathway.setdefault(event.pathway_id, []).append(event)
    # Voids may be dated outside the period: judge each pathway on its whole log.
    all_events = PathwayEvent.objects.filter(pathway_id__in=by_pathway).only("pk", "pathway_id", "key", "date",
                                                                             "outcome", "voids_id")
    logs: dict = {}
    for event in all_events:
        logs.setdefault(event.pathway_id, []).append(event)
    in_force = {e.pk for log in logs.values() for e in pathway_state.effective_events(log)}
    definitions = all_definitions()
    out = []
    for pathway_events in by_pathway.values():
        for event in pathway_events:
            if event.key == VOID or event.pk not in in_force:
                continue
            pathway = event.pathway
            out.append({
                "pathway_id": pathway.external_id,
                "pathway_type_code": pathway.type_code or definitions[pathway.type].code,
                "event": event.key, "event_code": event.code, "outcome_code": event.outcome_code,
                "date": event.date.isoformat(), "clinic_orgnr": pathway.clinic.org_number,
                "patient_national_id": pathway.patient.national_id,
            })
    out.sort(key=lambda r: (r["date"], r["clinic_orgnr"], r["pathway_id"], r["event_code"], r["event"]))
    return out


def render(rows, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
