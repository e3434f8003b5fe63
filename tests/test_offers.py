"""The offers catalogue: editors keep their own, CSV all or nothing, public filters and JSON,
matching, active recommendation with a 14-day reminder, stale offers and the course rule."""

import datetime as dt
import io
import uuid

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from samforlop.accounts.models import User
from samforlop.careplan.actions import add_goal
from samforlop.messaging.models import Message
from samforlop.offers import actions
from samforlop.offers.models import Offer, Recommendation
from samforlop.tasks.models import Task
from tests.conftest import register, start

D = dt.date
NOW = dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def pinned():
    with time_machine.travel(NOW, tick=False):
        yield


def offer(editor, title, municipalities=("4601",), **fields):
    defaults = dict(title=title, description=f"Om {title}", kind="adapted_training", open_without_diagnosis=True,
                    diagnosis_groups=[], needs_referral=False, needs_decision=False, cost_nok=0, transport=False,
                    needs=["physical_activity"], last_verified=D(2026, 11, 1))
    return actions.save_offer(editor=editor, fields={**defaults, **fields}, municipalities=list(municipalities), now=NOW)


@pytest.fixture
def catalogue(personas):
    e = personas.physiotherapist
    return {
        "pool": offer(e, "Varmtvannstrening", kind="warm_water_pool", transport=True),
        "paid": offer(e, "Trening med egenandel", cost_nok=400, transport=True),
        "referral": offer(e, "Trening etter henvisning", needs_referral=True, transport=True),
        "elsewhere": offer(e, "Trening i Oslo", municipalities=("0301",), transport=True),
        "rheumatic": offer(e, "Kurs for revmatisk sykdom", kind="specialist_course", open_without_diagnosis=False,
                           diagnosis_groups=["inflammatory_rheumatic"]),
        "plain": offer(e, "Trening uten skyss"),
    }


def test_an_editor_cannot_change_another_organisations_offer(personas, catalogue, login):
    pool = catalogue["pool"]
    other = User.objects.create(username="nav.editor", organisation=personas.nav_office, role="nav_officer")
    assert login(other).get(f"/offers/mine/{pool.pk}/edit/").status_code == 404
    assert login(other).post(f"/offers/mine/{pool.pk}/verify/").status_code == 404
    assert login(personas.physiotherapist).get(f"/offers/mine/{pool.pk}/edit/").status_code == 200
    with pytest.raises(actions.OfferError):
        actions.verify_offer(offer=pool, editor=other, now=NOW)


CSV_HEADER = "title,description,kind,municipalities,needs_referral,cost_nok,transport,last_verified\n"


def test_a_csv_with_one_bad_row_imports_nothing_and_names_the_row(personas, login, english):
    text = (CSV_HEADER + "Gåtur,Tur i parken,adapted_training,4601,nei,0,ja,2026-11-01\n"
            "Svømming,Basseng,swimming,4601,nei,0,ja,2026-11-01\n"
            "Yoga,Rolig yoga,adapted_training,46O1,nei,abc,ja,2026-11-01\n")
    client = login(personas.physiotherapist)
    response = client.post("/offers/mine/", {"file": SimpleUploadedFile("offers.csv", text.encode())})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Line 3: kind: Choose a kind of offer." in html
    assert "Line 4: cost_nok" in html and "Line 2" not in html
    assert not Offer.objects.exists()
    good = CSV_HEADER + "Gåtur,Tur i parken,adapted_training,4601 4627,nei,0,ja,2026-11-01\n"
    assert client.post("/offers/mine/", {"file": SimpleUploadedFile("o.csv", good.encode())}).status_code == 302
    imported = Offer.objects.get()
    assert sorted(imported.served.values_list("municipality", flat=True)) == ["4601", "4627"]
    exported = client.get("/offers/mine/export.csv").content.decode()
    assert str(imported.pk) in exported and "Gåtur" in exported


def test_the_public_catalogue_filters_without_log_in(catalogue, client):
    html = client.get("/offers/", {"municipality": "4601", "no_referral": "on", "free": "on"}).content.decode()
    assert "Varmtvannstrening" in html and "Trening uten skyss" in html
    assert "Trening med egenandel" not in html and "Trening etter henvisning" not in html and "Trening i Oslo" not in html


def test_the_json_endpoint_and_its_400s(catalogue, client):
    response = client.get("/api/public/offers", {"municipality": "4601", "transport": "1", "free": "1", "no_referral": "1"})
    assert response.status_code == 200
    assert [o["title"] for o in response.json()["offers"]] == ["Varmtvannstrening"]
    assert response["Access-Control-Allow-Origin"] == "*"
    for bad in ({"municipality": "46"}, {}, {"municipality": "4601", "free": "yes"}, {"municipality": "4601", "kind": "spa"},
                {"municipality": "4601", "colour": "red"}):
        assert client.get("/api/public/offers", bad).status_code == 400, bad
    body = client.get("/api/public/offers", {"municipality": "4601", "free": "2"}).json()
    assert body["parameters"] == {"free": "must be 0 or 1"}


def test_matching_ranks_free_no_referral_with_transport_first_and_never_suggests_what_the_patient_cannot_use(personas, catalogue, english):
    patient = personas.patient
    patient.prefers_no_referral = patient.prefers_low_cost = patient.needs_transport = True
    patient.save()
    add_goal(patient=patient, text="Trene to ganger i uka", needs=["physical_activity"], actor=personas.clinic_nurse,
             now=NOW, submission_id=uuid.uuid4())
    matches = actions.match_offers(patient, D(2026, 11, 23))
    titles = [o.title for o, _points, _why in matches]
    assert titles[0] == "Varmtvannstrening"
    assert "Trening i Oslo" not in titles  # another municipality
    assert "Kurs for revmatisk sykdom" not in titles  # for another diagnosis group
    assert "No referral needed" in matches[0][2] and "Transport offered" in matches[0][2] and "Free" in matches[0][2]
    patient.diagnosis_group = "inflammatory_rheumatic"
    patient.save()
    assert "Kurs for revmatisk sykdom" in [o.title for o, _p, _w in actions.match_offers(patient, D(2026, 11, 23))]


def test_a_recommendation_becomes_a_measure_and_a_message_and_the_patient_answers(personas, catalogue, login, english):
    pool = catalogue["pool"]
    response = login(personas.physiotherapist).post(
        f"/patients/{personas.patient.pk}/offers/{pool.pk}/recommend/",
        {"submission_id": str(uuid.uuid4()), "note": "Passer fint for deg"})
    assert response.status_code == 302
    recommendation = Recommendation.objects.get()
    assert recommendation.measure.title == "Varmtvannstrening"
    assert recommendation.measure.person == personas.physiotherapist
    assert Message.objects.filter(kind="offer_recommended", recipient_patient=personas.patient).exists()
    me = User.objects.create(username="kari", patient=personas.patient)
    client = login(me)
    response = client.post("/my/offers/", {"recommendation": str(recommendation.pk), "status": "declined"})
    assert response.status_code == 400 and "Tell us briefly why" in response.content.decode()
    client.post("/my/offers/", {"recommendation": str(recommendation.pk), "status": "started"})
    recommendation.refresh_from_db()
    assert recommendation.status == "started" and recommendation.measure.status == "in_progress"
    assert actions.uptake(pool) == {"recommended": 1, "started": 1, "declined": 0, "unanswered": 0, "reasons": []}


def test_a_recommendation_for_another_municipality_is_refused(personas, catalogue):
    with pytest.raises(actions.OfferError):
        actions.recommend_offer(offer=catalogue["elsewhere"], patient=personas.patient, actor=personas.physiotherapist,
                                now=NOW, submission_id=uuid.uuid4())


def reminders(now):
    with time_machine.travel(now, tick=False):
        call_command("send_reminders", "--once", stdout=io.StringIO())


def test_no_answer_in_14_days_sends_one_reminder_and_puts_it_on_the_contacts_list(personas, catalogue):
    actions.recommend_offer(offer=catalogue["pool"], patient=personas.patient, actor=personas.physiotherapist,
                            now=NOW, submission_id=uuid.uuid4())
    reminders(NOW + dt.timedelta(days=13, hours=23))
    assert not Message.objects.filter(kind="offer_reminder").exists()
    for _ in range(3):
        reminders(NOW + dt.timedelta(days=14, hours=1))
    assert Message.objects.filter(kind="offer_reminder").count() == 1
    task = Task.objects.get(kind="follow_up_recommendation")
    assert task.organisation == personas.physio_service


@pytest.mark.parametrize("verified, stale", [(D(2026, 5, 23), True), (D(2026, 5, 24), False)])
def test_offers_are_flagged_stale_at_6_months(personas, verified, stale, login):
    o = offer(personas.physiotherapist, "Gammelt tilbud", last_verified=verified)
    assert actions.is_stale(o, D(2026, 11, 23)) is stale
    assert ("data-stale" in login(personas.physiotherapist).get("/offers/mine/").content.decode()) is stale
    for _ in range(2):
        reminders(NOW)
    assert Message.objects.filter(kind="offer_stale", recipient_organisation=personas.physio_service).count() == (1 if stale else 0)


def test_the_course_rule_flags_at_26_weeks(personas, login):
    with time_machine.travel(dt.datetime(2026, 1, 10, 9, tzinfo=dt.UTC), tick=False):
        pathway = start(personas, D(2026, 1, 5))
        register(personas, pathway, "assessment_start", D(2026, 1, 6))
        register(personas, pathway, "summarizing_meeting", D(2026, 1, 8))
    deadline = D(2026, 1, 8) + dt.timedelta(days=182)
    assert actions.course_flags(personas.clinic, deadline - dt.timedelta(days=1)) == []
    assert [p for p, _d in actions.course_flags(personas.clinic, deadline)] == [personas.patient]
    course = offer(personas.physiotherapist, "Leve med smerter", kind="living_with_course")
    me = User.objects.create(username="kari", patient=personas.patient)
    with time_machine.travel(dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC), tick=False):
        r = actions.recommend_offer(offer=course, patient=personas.patient, actor=personas.physiotherapist,
                                    now=dt.datetime.now(dt.UTC), submission_id=uuid.uuid4())
        actions.answer_recommendation(recommendation=r, status="completed", actor=me, now=dt.datetime.now(dt.UTC))
    assert actions.course_flags(personas.clinic, deadline) == []


def test_the_follow_up_list_shows_patients_not_told_about_peers(personas, login):
    start(personas, D(2026, 11, 1))
    client = login(personas.clinic_nurse)
    assert personas.patient.full_name in client.get("/worklist/follow-up/").content.decode()
    actions.record_peer_information(patient=personas.patient, actor=personas.clinic_nurse, now=NOW)
    html = client.get("/worklist/follow-up/").content.decode()
    assert f"/patients/{personas.patient.pk}/offers/" not in html


def test_warm_climate_trips_show_who_can_go(personas, client, english):
    trip = offer(personas.physiotherapist, "Behandlingsreise", kind="warm_climate_trip", open_without_diagnosis=False,
                 diagnosis_groups=["inflammatory_rheumatic", "psoriasis"])
    offer(personas.physiotherapist, "Rehabilitering i Norge", kind="rehabilitation_stay")
    html = client.get(f"/offers/{trip.pk}/").content.decode()
    assert "inflammatory rheumatic disease or psoriasis" in html and "HELFO" in html and "Rehabilitering i Norge" in html


def test_preferences_are_saved_from_the_patients_offer_page(personas, catalogue, login):
    from samforlop.audit.models import AuditEntry

    response = login(personas.physiotherapist).post(f"/patients/{personas.patient.pk}/offers/", {
        "diagnosis_group": "inflammatory_rheumatic", "prefers_low_cost": "on"})
    assert response.status_code == 302
    personas.patient.refresh_from_db()
    assert personas.patient.diagnosis_group == "inflammatory_rheumatic" and personas.patient.prefers_low_cost
    assert AuditEntry.objects.filter(action="matching_preferences_updated").exists()


def test_the_editors_list_does_not_query_per_offer(personas, catalogue, login, django_assert_max_num_queries):
    client = login(personas.physiotherapist)
    client.get("/healthz")
    with django_assert_max_num_queries(12):
        assert client.get("/offers/mine/").status_code == 200


def test_the_public_sees_a_stale_offers_age(personas, client):
    offer(personas.physiotherapist, "Gammel gruppe", last_verified=D(2026, 3, 1))
    html = client.get("/offers/", {"municipality": "4601"}).content.decode()
    assert 'class="stale"' in html and "01.03.2026" in html
