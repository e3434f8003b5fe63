"""The interdisciplinary assessment: starting it registers the milestone; the record shows who wrote what."""

import datetime as dt
import uuid

import pytest
import time_machine

from samforlop.assessments.models import AssessmentEntry
from tests.conftest import start

D = dt.date


@pytest.fixture(autouse=True)
def pinned():
    with time_machine.travel(dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC), tick=False):
        yield


def test_starting_the_assessment_registers_the_milestone_and_team_members_write_their_parts(personas, login):
    pathway = start(personas, D(2026, 10, 1))
    url = f"/pathways/{pathway.pk}/assessment/"
    physician = login(personas.clinic_physician)
    assert physician.post(url, {"action": "start", "date": "2026-11-20", "submission_id": str(uuid.uuid4())}).status_code == 302
    pathway.refresh_from_db()
    assert pathway.next_milestone == "summarizing_meeting"
    physician.post(url, {"section": "physical", "text": "Nedsatt bevegelighet i nakken", "submission_id": str(uuid.uuid4())})
    nurse = login(personas.clinic_nurse)
    nurse.post(url, {"section": "work_and_economy", "text": "Redusert stilling", "employment": "sick_leave",
                     "sick_leave_percent": "50", "nav_contact": "yes", "financial_strain": "some",
                     "submission_id": str(uuid.uuid4())})
    nurse.post(url, {"section": "patient_goals", "text": "Tilbake i full jobb", "submission_id": str(uuid.uuid4())})
    html = login(personas.gp).get(url).content.decode()
    assert "Nedsatt bevegelighet i nakken" in html and "Ingrid Lege" in html
    assert "Redusert stilling" in html and "Mona Sykepleier" in html and "50 %" in html
    entry = AssessmentEntry.objects.get(section="work_and_economy")
    assert (entry.author, entry.sick_leave_percent, entry.financial_strain) == (personas.clinic_nurse, 50, "some")


def test_only_the_team_writes_and_only_after_the_start(personas, login, english):
    pathway = start(personas, D(2026, 10, 1))
    url = f"/pathways/{pathway.pk}/assessment/"
    response = login(personas.clinic_physician).post(url, {"section": "physical", "text": "x",
                                                           "submission_id": str(uuid.uuid4())})
    assert response.status_code == 400 and "Start the assessment first." in response.content.decode()
    assert login(personas.gp).post(url, {"section": "physical", "text": "x",
                                         "submission_id": str(uuid.uuid4())}).status_code == 403
    assert not AssessmentEntry.objects.exists()


def test_sick_leave_outside_0_to_100_names_the_field(personas, login, english):
    pathway = start(personas, D(2026, 10, 1))
    url = f"/pathways/{pathway.pk}/assessment/"
    client = login(personas.clinic_physician)
    client.post(url, {"action": "start", "date": "2026-11-20", "submission_id": str(uuid.uuid4())})
    response = client.post(url, {"section": "work_and_economy", "text": "x", "sick_leave_percent": "150",
                                 "submission_id": str(uuid.uuid4())})
    assert response.status_code == 400
    assert "Sick leave (%): Ensure this value is less than or equal to 100." in response.content.decode()
