"""FHIR check-in benchmark: the median time of POST /fhir/QuestionnaireResponse by logged-in
patients (each a different patient, scheduled for the questionnaire), over HTTP (django.test.Client,
the patient's session and CSRF token), with triage, tasks and the access log as in production.

`run(world)` builds what it needs in the already set-up database (`world`: bench.py's World, whose
clinic and identity numbers it reuses, or None) and returns the `name: value unit` lines.
Alone: `.venv/bin/python bench/fhir_checkin_bench.py` (own SQLite file under var/bench/, or
DATABASE_URL when set).
"""

import os
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POSTS = int(os.environ.get("BENCH_CHECKIN_POSTS", "200"))
WARM_UP = 10
# Earlier check-ins of other patients, so the table is not empty.
BACKGROUND_PATIENTS = int(os.environ.get("BENCH_CHECKIN_BACKGROUND", "5000"))
BATCH = 5000


def _body(questionnaire_url: str, i: int) -> dict:
    # Every fifth red (an appointment task), the rest green or yellow.
    now_value, average = (10, 9) if i % 5 == 0 else (i % 7, (i + 3) % 7)
    return {"resourceType": "QuestionnaireResponse", "questionnaire": questionnaire_url, "status": "completed",
            "item": [{"linkId": "pain_now", "answer": [{"valueInteger": now_value}]},
                     {"linkId": "pain_average_week", "answer": [{"valueInteger": average}]}]}


def _build(world, now):
    """A clinic, BACKGROUND_PATIENTS patients with earlier check-ins, and POSTS + WARM_UP scheduled
    patients with their log-ins; returns the log-ins to post with."""
    import datetime as dt
    import uuid

    from django.db import connection

    from samforlop.accounts.models import Organisation, User
    from samforlop.checkins.models import CheckIn, CheckinSchedule
    from samforlop.core import clock
    from samforlop.demo.synthetic import organisation_number, synthetic_identity_numbers
    from samforlop.patients.models import CareTeamMember, Patient

    today = clock.oslo_date(now)
    if world is not None:
        clinic, numbers = world.clinics[0], world.numbers
    else:
        clinic = Organisation.objects.create(kind="pain_clinic", name="Smerteklinikk Sjekk", municipality="4601",
                                             org_number=organisation_number(96_000_000))
        numbers = synthetic_identity_numbers()
    physician = User.objects.create(username=f"bench.checkin.physician.{uuid.uuid4().hex[:6]}", organisation=clinic,
                                    role="physician")
    total = BACKGROUND_PATIENTS + POSTS + WARM_UP
    users = []
    for start in range(0, total, BATCH):
        size = min(BATCH, total - start)
        patients = [Patient(given_name="Sjekk", family_name=f"Pasient {start + i}", national_id=next(numbers),
                            municipality="4601") for i in range(size)]
        Patient.objects.bulk_create(patients)
        CareTeamMember.objects.bulk_create(
            CareTeamMember(patient=p, organisation=clinic, role="specialist_clinic", valid_from=dt.date(2020, 1, 1))
            for p in patients)
        CheckinSchedule.objects.bulk_create(
            CheckinSchedule(patient=p, questionnaire="pain_intensity", interval_months=3, next_due_on=today,
                            created_at=now, created_by=physician) for p in patients)
        background = [p for n, p in enumerate(patients) if start + n < BACKGROUND_PATIENTS]
        CheckIn.objects.bulk_create(
            CheckIn(patient=p, questionnaire="pain_intensity", answers={"pain_now": 3, "pain_average_week": 4},
                    scores={"pain": 3.5}, colour="green", explanations=[], submitted_at=now - dt.timedelta(days=90),
                    submitted_by=physician, submission_id=uuid.uuid4()) for p in background)
        posting = [p for n, p in enumerate(patients) if start + n >= BACKGROUND_PATIENTS]
        users += User.objects.bulk_create(User(username=f"bench.checkin.{p.pk}", patient=p) for p in posting)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE checkins_checkin; ANALYZE checkins_checkinschedule; ANALYZE patients_patient")
    return users


def run(world=None) -> list[str]:
    import json
    import secrets

    from django.conf import settings
    from django.test import Client

    from samforlop.checkins.models import CheckIn
    from samforlop.core import clock
    from samforlop.fhir.intake import questionnaire_url

    users = _build(world, clock.now())
    url = questionnaire_url("pain_intensity")
    timings = []
    for i, user in enumerate(users):
        client = Client(HTTP_HOST="127.0.0.1", enforce_csrf_checks=True)
        client.force_login(user)
        csrf = secrets.token_hex(16)
        client.cookies[settings.CSRF_COOKIE_NAME] = csrf
        body = json.dumps(_body(url, i))
        t0 = time.perf_counter()
        response = client.post("/fhir/QuestionnaireResponse", body, content_type="application/fhir+json",
                               HTTP_X_CSRFTOKEN=csrf, HTTP_ACCEPT="application/fhir+json")
        elapsed = (time.perf_counter() - t0) * 1000
        assert response.status_code == 201, response.content[:500]
        if i >= WARM_UP:
            timings.append(elapsed)
    assert CheckIn.objects.filter(submitted_by__in=users).count() == len(users)
    return [f"fhir_checkin_posts: {len(timings)} count",
            f"fhir_checkin_post_median_ms: {statistics.median(timings):.2f} ms"]


if __name__ == "__main__":
    from standalone import run_alone

    run_alone("fhir_checkin_bench", run)
