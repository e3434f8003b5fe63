"""FHIR Task search by owner and due date (issue 9): `fhir_task_search_median_ms`.

Builds 1 000 000 staff tasks (BENCH_FHIR_TASKS) spread over four clinics, 20 000 patients and a
year of due dates, plus one plan measure per patient owned by the clinic, then times ~50
`GET /fhir/Task?owner=Organization/<clinic>&period=ge<d1>&period=le<d2>&_count=50` (30-day
windows) by the clinic's system client, over HTTP (django.test.Client, a bearer token), and
prints `name: value unit` lines.

`run(world_or_none)` builds its own clinics and patients (whatever the world holds), so it can
run after bench.py's build; run alone, this file sets up its own SQLite file
(var/bench/fhir_task_bench.sqlite3) or uses DATABASE_URL.
"""

import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TASKS = int(os.environ.get("BENCH_FHIR_TASKS", "1000000"))
PATIENTS = int(os.environ.get("BENCH_FHIR_TASK_PATIENTS", "20000"))
CLINICS = 4
REQUESTS = 50
BATCH = 5000


def _client_for(clinic, now):
    """A registered FHIR client of `clinic` and a bearer token for it (as /fhir/token would give)."""
    from joserfc.jwk import RSAKey

    from samforlop.accounts.models import User
    from samforlop.fhir import auth
    from samforlop.fhir.actions import register_fhir_client

    admin = User.objects.create(username=f"bench.fhir.admin.{uuid.uuid4().hex[:8]}", organisation=clinic,
                                role=User.Role.ORG_ADMIN)
    key = RSAKey.generate_key(2048)
    client = register_fhir_client(organisation=clinic, name="Bench EPJ", public_key=key.as_dict(private=False),
                                  actor=admin, now=now)
    token, _seconds = auth.issue_token(client, now=now)
    return token


def build(rng: random.Random, now, *, tasks: int = TASKS, patients: int = PATIENTS):
    """Clinics, patients on their clinic's care team, one plan with one measure each, and
    `tasks` staff tasks due over a year (half a year back, half ahead; the past mostly done)."""
    import datetime as dt

    from django.db import connection

    from samforlop.accounts.models import Organisation
    from samforlop.careplan.models import Measure, Plan
    from samforlop.core import clock
    from samforlop.demo.synthetic import organisation_number, synthetic_identity_numbers
    from samforlop.patients.models import CareTeamMember, Patient
    from samforlop.tasks.models import Task

    today = clock.oslo_date(now)
    tag = uuid.uuid4().hex[:6]
    clinics = [Organisation.objects.create(kind="pain_clinic", name=f"Oppgaveklinikk {i} {tag}",
                                           org_number=organisation_number(96_000_000 + i * 100 + rng.randint(0, 99)),
                                           municipality="4601")
               for i in range(CLINICS)]
    numbers = synthetic_identity_numbers()
    existing = set(Patient.objects.values_list("national_id", flat=True)) if Patient.objects.exists() else set()
    all_patients = []
    for start in range(0, patients, BATCH):
        size = min(BATCH, patients - start)
        batch = []
        while len(batch) < size:
            number = next(numbers)
            if number not in existing:
                batch.append(Patient(given_name="Oppgave", family_name=f"Pasient {start + len(batch)}",
                                     national_id=number, municipality="4601"))
        Patient.objects.bulk_create(batch)
        CareTeamMember.objects.bulk_create([
            CareTeamMember(patient=p, organisation=clinics[(start + i) % CLINICS], role="specialist_clinic",
                           valid_from=dt.date(2020, 1, 1)) for i, p in enumerate(batch)])
        plans = [Plan(patient=p, created_at=now, version=1) for p in batch]
        Plan.objects.bulk_create(plans)
        Measure.objects.bulk_create([
            Measure(plan=plan, title="Smerteskole", organisation=clinics[(start + i) % CLINICS],
                    due_on=today + dt.timedelta(days=rng.randint(-180, 185)), submission_id=uuid.uuid4())
            for i, plan in enumerate(plans)])
        all_patients += [(p.pk, clinics[(start + i) % CLINICS].pk) for i, p in enumerate(batch)]

    kinds = [Task.Kind.PHONE_PATIENT, Task.Kind.OFFER_APPOINTMENT]
    for start in range(0, tasks, BATCH):
        rows = []
        for _ in range(min(BATCH, tasks - start)):
            patient_id, clinic_id = all_patients[rng.randrange(len(all_patients))]
            due = today + dt.timedelta(days=rng.randint(-180, 185))
            done = due < today and rng.random() < 0.8
            rows.append(Task(patient_id=patient_id, organisation_id=clinic_id, kind=rng.choice(kinds),
                             source=Task.Source.CHECKIN, reason="Gul innsjekk", created_at=now, due_on=due,
                             status=Task.Status.DONE if done else Task.Status.OPEN))
        Task.objects.bulk_create(rows)
    with connection.cursor() as cursor:
        # PostgreSQL: VACUUM too, as autovacuum soon would, so index-only scans can skip the heap.
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return clinics


def run(world_or_none=None) -> list[str]:
    import datetime as dt

    from django.test import Client

    from samforlop.core import clock
    from samforlop.fhir.models import FhirClient
    from samforlop.fhir.plans import task_search_query_plans
    from samforlop.tasks.models import Task

    rng = random.Random(9)
    now = clock.now()
    started = time.perf_counter()
    clinics = build(rng, now)
    build_seconds = time.perf_counter() - started
    clinic = clinics[0]
    token = _client_for(clinic, now)
    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT="application/fhir+json")
    today = clock.oslo_date(now)

    def search(offset_days):
        d1 = today + dt.timedelta(days=offset_days)
        d2 = d1 + dt.timedelta(days=30)
        return client.get("/fhir/Task", {"owner": f"Organization/{clinic.pk}", "period": [f"ge{d1}", f"le{d2}"],
                                         "_count": "50"}), d1, d2

    for _ in range(3):  # warm up
        assert search(0)[0].status_code == 200
    times, totals = [], []
    for i in range(REQUESTS):
        t0 = time.perf_counter()
        response, d1, d2 = search(-150 + (i * 300) // REQUESTS)
        times.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, response.content[:500]
        body = response.json()
        assert len(body["entry"]) == 50 and any(link["relation"] == "next" for link in body["link"])
        totals.append(body["total"])
    user = FhirClient.objects.get(organisation=clinic).user
    query_plans = task_search_query_plans(clinic, user, now, today, today + dt.timedelta(days=30))
    if os.environ.get("BENCH_SHOW_PLAN"):
        print("query plans:", *query_plans, sep="\n", file=sys.stderr)
    return [
        f"fhir_tasks: {Task.objects.count()} count",
        f"fhir_task_build_seconds: {build_seconds:.1f} s",
        f"fhir_task_search_total_median: {statistics.median(totals):.0f} count",
        f"fhir_task_search_median_ms: {statistics.median(times):.2f} ms",
        f"fhir_task_search_p95_ms: {sorted(times)[int(0.95 * (len(times) - 1))]:.2f} ms",
        f"fhir_task_search_uses_index: {int(all('task_owner_due' in p for p in query_plans))} bool",
    ]


if __name__ == "__main__":
    from standalone import run_alone

    run_alone("fhir_task_bench", run)
