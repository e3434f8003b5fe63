"""Registering milestones and corrections from the patient page."""

import datetime as dt
import uuid

import pytest
import time_machine

from samforlop.pathways.models import PathwayEvent
from tests.conftest import start

D = dt.date


@pytest.fixture(autouse=True)
def pinned():
    with time_machine.travel(dt.datetime(2026, 11, 23, 10, tzinfo=dt.UTC)):
        yield


def test_clinic_staff_register_a_milestone(personas, login):
    pathway = start(personas, D(2026, 9, 1))
    response = login(personas.clinic_nurse).post(f"/pathways/{pathway.pk}/milestones/", {
        "key": "assessment_start", "date": "2026-10-01", "submission_id": str(uuid.uuid4()),
    })
    assert response.status_code == 302
    pathway.refresh_from_db()
    assert pathway.next_milestone == "summarizing_meeting"


def test_double_submitted_form_creates_one_event(personas, login):
    pathway = start(personas, D(2026, 9, 1))
    client = login(personas.clinic_nurse)
    form = {"key": "assessment_start", "date": "2026-10-01", "submission_id": str(uuid.uuid4())}
    assert client.post(f"/pathways/{pathway.pk}/milestones/", form).status_code == 302
    assert client.post(f"/pathways/{pathway.pk}/milestones/", form).status_code == 302
    assert PathwayEvent.objects.filter(pathway=pathway, key="assessment_start").count() == 1


def test_refused_milestone_shows_why_and_keeps_the_input(personas, login, english):
    pathway = start(personas, D(2026, 9, 1))
    response = login(personas.clinic_nurse).post(f"/pathways/{pathway.pk}/milestones/", {
        "key": "summarizing_meeting", "date": "2026-10-01", "comment": "Møte holdt", "submission_id": str(uuid.uuid4()),
    })
    assert response.status_code == 400
    html = response.content.decode()
    assert "cannot be registered before Interdisciplinary assessment started" in html
    assert "Møte holdt" in html and 'value="2026-10-01"' in html
    assert PathwayEvent.objects.filter(pathway=pathway).count() == 1


def test_bad_date_names_the_field(personas, login, english):
    pathway = start(personas, D(2026, 9, 1))
    response = login(personas.clinic_nurse).post(f"/pathways/{pathway.pk}/milestones/", {
        "key": "assessment_start", "date": "31.02.2026", "submission_id": str(uuid.uuid4()),
    })
    assert response.status_code == 400
    assert "Date: Enter a valid date." in response.content.decode()


def test_gp_can_read_but_not_register(personas, login):
    pathway = start(personas, D(2026, 9, 1))
    client = login(personas.gp)
    assert "milestones/" not in client.get(f"/patients/{personas.patient.pk}/").content.decode()
    response = client.post(f"/pathways/{pathway.pk}/milestones/", {
        "key": "assessment_start", "date": "2026-10-01", "submission_id": str(uuid.uuid4()),
    })
    assert response.status_code == 403
    assert PathwayEvent.objects.filter(pathway=pathway).count() == 1


def test_outsider_gets_404_on_the_pathway(personas, login):
    pathway = start(personas, D(2026, 9, 1))
    response = login(personas.outsider).post(f"/pathways/{pathway.pk}/milestones/", {
        "key": "assessment_start", "date": "2026-10-01", "submission_id": str(uuid.uuid4()),
    })
    assert response.status_code == 404


def test_correction_from_the_page_voids_the_event(personas, login):
    pathway = start(personas, D(2026, 9, 1))
    client = login(personas.clinic_nurse)
    client.post(f"/pathways/{pathway.pk}/milestones/", {
        "key": "assessment_start", "date": "2026-10-01", "submission_id": str(uuid.uuid4())})
    event = PathwayEvent.objects.get(pathway=pathway, key="assessment_start")
    response = client.post(f"/pathways/{pathway.pk}/corrections/", {
        "event": event.external_id, "new_date": "2026-09-25", "reason": "Feil dato",
        "submission_id": str(uuid.uuid4())})
    assert response.status_code == 302
    assert pathway.derive().done["assessment_start"].date == D(2026, 9, 25)


def test_clinic_starts_a_pathway_from_the_patient_page(personas, login):
    client = login(personas.clinic_nurse)
    form = {"type": "smerte", "date": "2026-11-20", "submission_id": str(uuid.uuid4())}
    assert client.post(f"/patients/{personas.patient.pk}/pathways/", form).status_code == 302
    assert client.post(f"/patients/{personas.patient.pk}/pathways/", form).status_code == 302
    assert personas.patient.pathways.count() == 1


def test_refused_correction_keeps_what_was_typed(personas, login, english):
    pathway = start(personas, D(2026, 9, 1))
    client = login(personas.clinic_nurse)
    start_event = PathwayEvent.objects.get(pathway=pathway)
    client.post(f"/pathways/{pathway.pk}/milestones/", {
        "key": "assessment_start", "date": "2026-10-01", "submission_id": str(uuid.uuid4())})
    submission = str(uuid.uuid4())
    response = client.post(f"/pathways/{pathway.pk}/corrections/", {
        "event": start_event.external_id, "new_date": "2026-10-15", "reason": "Feil dato for start",
        "submission_id": submission})
    assert response.status_code == 400
    html = response.content.decode()
    assert "cannot be dated before" in html
    assert 'value="Feil dato for start"' in html and 'value="2026-10-15"' in html and submission in html
    assert PathwayEvent.objects.filter(pathway=pathway).count() == 2
