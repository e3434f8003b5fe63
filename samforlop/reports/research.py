"""Research export without direct identifiers: a pseudonymous key per patient (a keyed hash; the
key is kept outside the database), age band, county instead of municipality, pathway times,
outcome and check-in score summaries. Age band and county are suppressed wherever that
combination describes fewer than 5 patients."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import statistics

from samforlop.checkins.models import CheckIn
from samforlop.pathways.models import Pathway, PathwayTime

MIN_CELL = 5
SUPPRESSED = "*"
COLUMNS = ["patient_key", "age_band", "county", "pathway_type", "status", "outcome", "started_year",
           "referral_to_assessment_days", "assessment_time_days", "summarizing_to_followup_days",
           "checkins", "pain_mean", "interference_mean"]
README = """Samforløp research export
=========================

One row per pathway started in the period. No names, no identity numbers.

patient_key                  Pseudonymous key: HMAC-SHA256 of the identity number with a key kept outside
                             the database (the same patient has the same key within one key's exports).
age_band                     Age at the start of the pathway, in 10-year bands (e.g. 40-49).
county                       The first two digits of the municipality number (county).
                             age_band and county are "*" where that combination has fewer than 5 patients.
pathway_type                 smerte (long-term pain) or revma (rheumatology follow-up).
status                       active, ended or voided.
outcome                      followup_meeting_held, transferred, other_reasons, not_included, or empty.
started_year                 The year the pathway started.
referral_to_assessment_days  Days from pathway start to assessment start (empty if not reached).
assessment_time_days         Days from assessment start to the summarizing meeting (empty if not reached).
summarizing_to_followup_days Days from the summarizing meeting to the follow-up meeting (empty if not reached).
checkins                     Number of check-ins the patient has sent.
pain_mean                    Mean of the patient's pain scores (0-10) over their check-ins, or empty.
interference_mean            Mean of the patient's pain-and-everyday-life scores (0-10), or empty.
"""


def patient_key(national_id: str, key: bytes) -> str:
    return hmac.new(key, national_id.encode(), hashlib.sha256).hexdigest()[:20]


def age_band(age: int) -> str:
    low = (age // 10) * 10
    return f"{low}-{low + 9}"


def rows(date_from, date_to, key: bytes) -> list[dict]:
    pathways = list(Pathway.objects.filter(started_on__gte=date_from, started_on__lte=date_to)
                    .select_related("patient").order_by("started_on", "external_id"))
    times = {}
    for pathway_id, limit, state, elapsed in PathwayTime.objects.filter(pathway__in=pathways).values_list(
            "pathway_id", "limit", "state", "elapsed_days"):
        if state in ("met", "breached"):
            times[(pathway_id, limit)] = elapsed
    scores: dict = {}
    for patient_id, values in CheckIn.objects.filter(patient__in={p.patient_id for p in pathways}).values_list(
            "patient_id", "scores"):
        entry = scores.setdefault(patient_id, {"n": 0, "pain": [], "interference": []})
        entry["n"] += 1
        for name in ("pain", "interference"):
            if values.get(name) is not None:
                entry[name].append(values[name])
    out = []
    for p in pathways:
        born = p.patient.birth_date
        age = p.started_on.year - born.year - ((p.started_on.month, p.started_on.day) < (born.month, born.day))
        s = scores.get(p.patient_id, {"n": 0, "pain": [], "interference": []})
        out.append({
            "patient_key": patient_key(p.patient.national_id, key), "age_band": age_band(age),
            "county": (p.patient.municipality or "00")[:2], "pathway_type": p.type, "status": p.status,
            "outcome": p.outcome, "started_year": p.started_on.year,
            "referral_to_assessment_days": times.get((p.pk, "referral_to_assessment"), ""),
            "assessment_time_days": times.get((p.pk, "assessment_time"), ""),
            "summarizing_to_followup_days": times.get((p.pk, "summarizing_to_followup"), ""),
            "checkins": s["n"],
            "pain_mean": round(statistics.fmean(s["pain"]), 1) if s["pain"] else "",
            "interference_mean": round(statistics.fmean(s["interference"]), 1) if s["interference"] else "",
        })
    return suppress_small_cells(out)


def suppress_small_cells(out: list[dict]) -> list[dict]:
    """Blank age band and county where that combination describes fewer than MIN_CELL patients."""
    patients: dict = {}
    for row in out:
        patients.setdefault((row["age_band"], row["county"]), set()).add(row["patient_key"])
    for row in out:
        if len(patients[(row["age_band"], row["county"])]) < MIN_CELL:
            row["age_band"] = row["county"] = SUPPRESSED
    return out


def render_csv(out: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(out)
    return buffer.getvalue()
