"""Check-ins in the portal: triage into tasks for the clinic, duplicate-safe submission, access."""

import datetime as dt
import uuid

import pytest
import time_machine

from samforlop.accounts.models import User
from samforlop.checkins import actions
from samforlop.checkins.models import CheckIn
from samforlop.tasks.models import Task
from tests.conftest import new_patient

D = dt.date
NOW = dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def pinned():
    with time_machine.travel(NOW, tick=False):
        yield



def pain(client, now_value, avg_value, submission_id=None):
    return client.post("/my/checkins/pain_intensity/", {
        "submission_id": submission_id or str(uuid.uuid4()), "pain_now": str(now_value),
        "pain_average_week": str(avg_value)})


def test_a_red_check_in_gives_the_clinic_an_appointment_task_due_in_30_days(personas, me, login, english):
    client = login(me)
    response = pain(client, 10, 9)
    assert response.status_code == 302
    checkin = CheckIn.objects.get()
    assert (checkin.colour, checkin.scores) == ("red", {"pain": 9.5})
    page = client.get(response["Location"]).content.decode()
    assert "You will be offered an appointment" in page and 'data-colour="red"' in page
    task = Task.objects.get()
    assert (task.kind, task.organisation, task.due_on) == ("offer_appointment", personas.clinic, D(2026, 12, 23))
    worklist = login(personas.clinic_nurse).get("/worklist/").content.decode()
    assert 'data-task="offer_appointment"' in worklist and 'datetime="2026-12-23"' in worklist


def test_the_score_chart_is_valid_svg_in_norwegian(personas, me, login):
    import re

    client = login(me)
    pain(client, 3, 4)
    pain(client, 5, 6)
    html = client.get("/my/checkins/").content.decode()
    assert '<html lang="nb">' in html and "<polyline" in html
    assert not re.findall(r'(?:cx|cy)="\d+,\d', html)
    assert re.findall(r'<circle cx="[\d.]+" cy="[\d.]+"', html)


def test_yellow_phones_within_7_days_and_green_does_nothing(personas, me, login):
    client = login(me)
    client.post("/my/checkins/work_ability/", {"submission_id": str(uuid.uuid4()), "work_ability_now": "3"})
    assert Task.objects.get().kind == "phone_patient" and Task.objects.get().due_on == D(2026, 11, 30)
    client.post("/my/checkins/work_ability/", {"submission_id": str(uuid.uuid4()), "work_ability_now": "4"})
    assert Task.objects.count() == 1 and CheckIn.objects.filter(colour="green").count() == 1


def test_a_double_submission_stores_one_and_an_edited_resubmission_is_refused(personas, me, login, english):
    client = login(me)
    submission_id = str(uuid.uuid4())
    assert pain(client, 3, 3, submission_id).status_code == 302
    assert pain(client, 3, 3, submission_id).status_code == 302
    assert CheckIn.objects.count() == 1
    response = pain(client, 7, 7, submission_id)
    assert response.status_code == 400
    assert "already been sent and cannot be changed" in response.content.decode()
    assert CheckIn.objects.get().answers == {"pain_now": 3, "pain_average_week": 3}


def test_another_patients_check_in_is_a_404(personas, me, login):
    pain(login(me), 3, 3)
    checkin = CheckIn.objects.get()
    other = User.objects.create(username="other", patient=new_patient(family="Annen"))
    assert login(other).get(f"/my/checkins/done/{checkin.pk}/").status_code == 404
    assert login(me).get(f"/my/checkins/done/{checkin.pk}/").status_code == 200
    # The care team sees it; an outsider does not.
    assert str(checkin.pk) not in login(personas.outsider).get(f"/patients/{personas.patient.pk}/checkins/").content.decode()
    assert login(personas.outsider).get(f"/patients/{personas.patient.pk}/checkins/").status_code == 404
    assert 'data-colour="green"' in login(personas.physiotherapist).get(
        f"/patients/{personas.patient.pk}/checkins/").content.decode()


def test_the_functional_scale_asks_about_the_same_activities_next_time(personas, me, login):
    client = login(me)
    client.post("/my/checkins/functional_scale/", {
        "submission_id": str(uuid.uuid4()), "activity_0_name": "Gå tur med hunden", "activity_0_value": "4",
        "activity_1_name": "Bære handleposer", "activity_1_value": "6"})
    assert CheckIn.objects.get().scores == {"function": 5.0}
    form = client.get("/my/checkins/functional_scale/").content.decode()
    assert 'value="Gå tur med hunden"' in form and 'value="Bære handleposer"' in form


def test_a_named_activity_without_a_rating_is_named(personas, me, login, english):
    response = login(me).post("/my/checkins/functional_scale/", {
        "submission_id": str(uuid.uuid4()), "activity_0_name": "Gå tur"})
    assert response.status_code == 400 and "Rate the activity you named." in response.content.decode()
    assert not CheckIn.objects.exists()


def test_staff_cannot_answer_for_the_patient(personas):
    with pytest.raises(actions.CheckinError):
        actions.submit_checkin(patient=personas.patient, questionnaire_key="work_ability",
                               answers={"work_ability_now": 5}, actor=personas.clinic_nurse, now=NOW,
                               submission_id=uuid.uuid4())
