"""`make bench`: build 200 000 pathways and measure the worklist and appending an event; the
reports over 1 000 000 pathways; the FHIR API's check-in POST and Task search (1 000 000 tasks).

Prints one figure a line as `name: value unit`. Uses its own SQLite file under var/bench/
(or DATABASE_URL when set), rebuilt on every run.
"""

import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SAMFORLOP_TESTING", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samforlop.settings")
PATHWAYS = int(os.environ.get("BENCH_PATHWAYS", "200000"))
# The reports are measured on a larger history: the first build is extended to this many pathways.
REPORT_PATHWAYS = int(os.environ.get("BENCH_REPORT_PATHWAYS", "1000000"))
if not os.environ.get("DATABASE_URL"):
    bench_dir = ROOT / "var" / "bench"
    bench_dir.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        (bench_dir / f"bench.sqlite3{suffix}").unlink(missing_ok=True)
    os.environ["SAMFORLOP_SQLITE_PATH"] = str(bench_dir / "bench.sqlite3")

import django  # noqa: E402

django.setup()

import datetime as dt  # noqa: E402

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from samforlop.accounts.models import Organisation, User  # noqa: E402
from samforlop.core import clock  # noqa: E402
from samforlop.demo.synthetic import organisation_number, synthetic_identity_numbers  # noqa: E402
from samforlop.pathways import actions  # noqa: E402
from samforlop.pathways import state as pathway_state  # noqa: E402
from samforlop.pathways.definitions import get_definition  # noqa: E402
from samforlop.pathways.models import Pathway, PathwayEvent, PathwayTime  # noqa: E402
from samforlop.patients.models import CareTeamMember, Patient  # noqa: E402

BATCH = 5000


class _Ev:
    """A light event for deriving state before the rows exist."""

    def __init__(self, pk, key, date, outcome=""):
        self.pk, self.key, self.date, self.outcome, self.voids_id = pk, key, date, outcome, None


class World:
    def __init__(self):
        self.clinics = [
            Organisation.objects.create(kind="pain_clinic", name=f"Smerteklinikk {i}", health_trust="Helseforetak",
                                        org_number=organisation_number(95_000_000 + i * 100), municipality="4601")
            for i in range(5)
        ]
        self.gp_office = Organisation.objects.create(kind="gp_office", name="Legesenter",
                                                     org_number=organisation_number(95_100_000), municipality="4601")
        self.physician = User.objects.create(username="bench.physician", organisation=self.clinics[0], role="physician")
        self.leader = User.objects.create(username="bench.leader", organisation=self.clinics[0], role="leader")
        self.numbers = synthetic_identity_numbers()
        self.event_pk = 0
        self.built = 0


def build(world: World, n: int, rng: random.Random, now, *, spread_days: int, clinics: int):
    """Add `n` pathways started over the last `spread_days`, spread over the first `clinics` clinics."""
    today = clock.oslo_date(now)
    definition = get_definition("smerte")
    gp_office, numbers = world.gp_office, world.numbers
    # Events appended since the last build (the append benchmark) took ids too.
    event_pk = max(world.event_pk, PathwayEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0)
    for batch_start in range(world.built, world.built + n, BATCH):
        size = min(BATCH, world.built + n - batch_start)
        patients = [Patient(given_name="Bench", family_name=f"Pasient {batch_start + i}",
                            national_id=next(numbers), municipality="4601") for i in range(size)]
        Patient.objects.bulk_create(patients)
        members, pathways, events, times = [], [], [], []
        for i, patient in enumerate(patients):
            clinic = world.clinics[(batch_start + i) % clinics]
            members.append(CareTeamMember(patient=patient, organisation=clinic, role="specialist_clinic",
                                          valid_from=dt.date(2020, 1, 1)))
            members.append(CareTeamMember(patient=patient, organisation=gp_office, role="gp",
                                          valid_from=dt.date(2020, 1, 1)))
            started = today - dt.timedelta(days=rng.randint(0, spread_days))
            log = [_Ev(event_pk + 1, "pathway_start", started)]
            stage = rng.random()
            if stage > 0.4:
                log.append(_Ev(event_pk + 2, "assessment_start", min(today, started + dt.timedelta(days=rng.randint(10, 100)))))
            if stage > 0.7:
                log.append(_Ev(event_pk + 3, "summarizing_meeting", min(today, log[-1].date + dt.timedelta(days=rng.randint(10, 100)))))
            if stage > 0.9:
                log.append(_Ev(event_pk + 4, "pathway_end", min(today, log[-1].date + dt.timedelta(days=rng.randint(10, 200))),
                               "followup_meeting_held"))
            event_pk += len(log)
            derived = pathway_state.derive(definition, log, today, settings.AT_RISK_DAYS)
            pathway = Pathway(patient=patient, clinic=clinic, type="smerte", created_at=now,
                              status=derived.status, phase=derived.phase or "", next_milestone=derived.next_milestone or "",
                              next_deadline=derived.next_deadline, started_on=derived.started_on,
                              ended_on=derived.ended_on, outcome=derived.outcome)
            pathways.append(pathway)
            times.extend(PathwayTime.rows_for(pathway, derived))
            events.extend(PathwayEvent(pk=e.pk, pathway=pathway, key=e.key, date=e.date, outcome=e.outcome,
                                       registered_at=now, source="bench") for e in log)
        CareTeamMember.objects.bulk_create(members)
        Pathway.objects.bulk_create(pathways)
        PathwayEvent.objects.bulk_create(events)
        PathwayTime.objects.bulk_create(times)
    world.event_pk = event_pk
    world.built += n
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main():
    call_command("migrate", verbosity=0)
    rng = random.Random(42)
    now = clock.now()
    started = time.perf_counter()
    world = World()
    # The worklist's clinic has half of the first 200 000 (as in the set-up).
    build(world, PATHWAYS, rng, now, spread_days=400, clinics=2)
    physician = world.physician
    build_seconds = time.perf_counter() - started

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(physician)
    for _ in range(3):
        assert client.get("/worklist/").status_code == 200
    worklist = []
    for _ in range(40):
        t0 = time.perf_counter()
        response = client.get("/worklist/")
        worklist.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200
        assert response.content.decode().count('<th scope="row">') == settings.WORKLIST_PAGE_SIZE

    waiting = list(Pathway.objects.filter(status="active", next_milestone="assessment_start")
                   .values_list("pk", flat=True)[:200])
    append = []
    today = clock.oslo_date(now)
    for pk in waiting:
        pathway = Pathway.objects.get(pk=pk)
        t0 = time.perf_counter()
        actions.register_milestone(pathway=pathway, key="assessment_start", date=today, actor=physician,
                                   now=clock.now())
        append.append((time.perf_counter() - t0) * 1000)

    print(f"pathways: {Pathway.objects.count()} count")
    print(f"build_seconds: {build_seconds:.1f} s")
    print(f"worklist_first_page_median_ms: {statistics.median(worklist):.2f} ms")
    print(f"worklist_first_page_p95_ms: {percentile(worklist, 95):.2f} ms")
    print(f"append_event_median_ms: {statistics.median(append):.2f} ms", flush=True)

    # Reports: the history grows to REPORT_PATHWAYS, five years over five clinics.
    if REPORT_PATHWAYS > PATHWAYS:
        build(world, REPORT_PATHWAYS - PATHWAYS, rng, now, spread_days=5 * 365, clinics=5)
    from samforlop.reports import pathway_times

    today = clock.oslo_date(now)
    clinic_year, all_five_years = [], []
    for _ in range(5):
        t0 = time.perf_counter()
        pathway_times.build(clinic_ids=[world.clinics[0].pk], type="smerte", date_from=today - dt.timedelta(days=365),
                            date_to=today, granularity="month", today=today)
        clinic_year.append((time.perf_counter() - t0) * 1000)
    for _ in range(3):
        t0 = time.perf_counter()
        pathway_times.build(clinic_ids=[c.pk for c in world.clinics], type="smerte",
                            date_from=today - dt.timedelta(days=5 * 365), date_to=today, granularity="quarter",
                            today=today)
        all_five_years.append((time.perf_counter() - t0) * 1000)
    print(f"report_pathways: {Pathway.objects.count()} count")
    print(f"report_clinic_year_median_ms: {statistics.median(clinic_year):.0f} ms")
    print(f"report_all_5y_median_ms: {statistics.median(all_five_years):.0f} ms", flush=True)

    # The FHIR API (issue 9): posting a check-in, and the Task search over 1 000 000 tasks.
    sys.path.insert(0, str(ROOT / "bench"))
    import fhir_checkin_bench
    import fhir_task_bench

    for line in fhir_checkin_bench.run(world) + fhir_task_bench.run(world):
        print(line, flush=True)


if __name__ == "__main__":
    main()
