"""The patient's access log (innsynslogg) and blocking (part of issue 7)."""

import datetime as dt

import pytest
import time_machine

from samforlop.accounts.models import User
from samforlop.audit.models import AuditEntry
from samforlop.patients.models import Block

NOW = dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def pinned():
    with time_machine.travel(NOW, tick=False):
        yield



def client_for(user):
    """A client of its own (the `login` fixture reuses one client)."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def test_the_patient_sees_who_read_their_data(personas, me, login, english):
    login(personas.gp).get(f"/patients/{personas.patient.pk}/")
    login(personas.outsider).get(f"/patients/{personas.patient.pk}/")
    html = login(me).get("/my/privacy/").content.decode()
    assert "<strong>Anne Fastlege</strong>, physician, Testbyen legesenter" in html and "Opened your page" in html
    assert 'data-outcome="denied"' in html and "Ulf Utenfor" in html


def test_a_blocked_gp_on_the_care_team_gets_404(personas, me, login):
    gp, patient = client_for(personas.gp), client_for(me)
    assert gp.get(f"/patients/{personas.patient.pk}/").status_code == 200
    patient.post("/my/privacy/", {"person": str(personas.gp.pk)})
    assert gp.get(f"/patients/{personas.patient.pk}/").status_code == 404
    assert personas.patient.family_name not in gp.get("/patients/").content.decode()
    block = Block.objects.get()
    assert AuditEntry.objects.filter(action="access_blocked").exists()
    patient.post("/my/privacy/", {"lift": str(block.pk)})
    assert gp.get(f"/patients/{personas.patient.pk}/").status_code == 200


def test_blocking_an_organisation_blocks_everyone_there(personas, me, login):
    login(me).post("/my/privacy/", {"organisation": str(personas.physio_service.pk)})
    assert login(personas.physiotherapist).get(f"/patients/{personas.patient.pk}/").status_code == 404
    assert login(personas.clinic_nurse).get(f"/patients/{personas.patient.pk}/").status_code == 200


def test_only_people_on_the_care_team_can_be_chosen(personas, me, login):
    assert login(me).post("/my/privacy/", {"person": str(personas.outsider.pk)}).status_code == 404
    assert not Block.objects.exists()


def test_emergency_access_needs_a_reason_lasts_4_hours_and_is_reviewed(personas, me, login, english):
    from samforlop.patients.models import EmergencyAccess

    outsider = client_for(personas.outsider)
    outsider.cookies["django_language"] = "en"
    url = f"/patients/{personas.patient.pk}/"
    assert outsider.get(url).status_code == 404
    response = outsider.post("/patients/emergency-access/", {"national_id": personas.patient.national_id, "reason": "kort"})
    assert response.status_code == 400 and "State the reason" in response.content.decode()
    response = outsider.post("/patients/emergency-access/", {
        "national_id": personas.patient.national_id, "reason": "Innlagt akutt med sterke smerter, trenger planen"})
    assert response.status_code == 302
    assert outsider.get(url).status_code == 200
    with time_machine.travel(NOW + dt.timedelta(hours=3, minutes=59), tick=False):
        assert client_for(personas.outsider).get(url).status_code == 200
    with time_machine.travel(NOW + dt.timedelta(hours=4, minutes=1), tick=False):
        assert client_for(personas.outsider).get(url).status_code == 404  # expired
    assert "Ulf Utenfor" in client_for(me).get("/my/privacy/").content.decode()  # in the patient's access log
    leader = User.objects.create(username="leader2", organisation=personas.other_clinic, role="leader")
    page = client_for(leader).get("/reports/emergency/").content.decode()
    access = EmergencyAccess.objects.get()
    assert f'data-access="{access.pk}"' in page
    client_for(leader).post("/reports/emergency/", {"access": access.pk})
    access.refresh_from_db()
    assert access.reviewed_by == leader


def test_nav_officers_cannot_use_emergency_access(personas):
    client = client_for(personas.nav_officer)
    response = client.post("/patients/emergency-access/", {
        "national_id": personas.patient.national_id, "reason": "Vil gjerne se planen til pasienten"})
    assert response.status_code == 400
    assert client.get(f"/patients/{personas.patient.pk}/").status_code == 404


def test_the_access_log_is_one_line_per_day_and_person_with_the_reads_behind_a_click(personas, me, login):
    import re

    from samforlop.audit.models import log_access

    for minutes in range(12):  # a day of clinic work: twelve reads by the nurse
        log_access(user=personas.clinic_nurse, what="patient_page", at=NOW - dt.timedelta(minutes=minutes),
                   patients=[personas.patient])
    log_access(user=personas.clinic_nurse, what="plan", at=NOW - dt.timedelta(days=1), patients=[personas.patient])
    log_access(user=personas.outsider, what="patient_page", at=NOW, patients=[personas.patient], granted=False)
    html = login(me).get("/my/privacy/").content.decode()
    groups = re.findall(r"<li data-group.*?</details></li>", html, re.S)
    assert len(groups) == 3
    summaries = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", re.search(r"<summary>(.*?)</summary>", g, re.S).group(1))).strip()
                 for g in groups]
    assert "Mona Sykepleier, sykepleier, Smerteklinikken Test: 12 oppslag i dag" in summaries
    assert "Mona Sykepleier, sykepleier, Smerteklinikken Test: 1 oppslag i går" in summaries
    assert any(s.startswith("Ulf Utenfor") and "1 avvist" in s for s in summaries)
    today = next(g for g in groups if "12 oppslag i dag" in g)
    assert today.count("<time ") == 12  # the rows behind the click


def test_the_access_log_is_paged_by_day_and_person(personas, me, login):
    from samforlop.audit.models import log_access
    from samforlop.portal.views import ACCESS_LOG_GROUPS_PER_PAGE

    for day in range(ACCESS_LOG_GROUPS_PER_PAGE + 3):
        log_access(user=personas.gp, what="patient_page", at=NOW - dt.timedelta(days=day), patients=[personas.patient])
    client = login(me)
    first = client.get("/my/privacy/").content.decode()
    assert first.count("<li data-group") == ACCESS_LOG_GROUPS_PER_PAGE and 'rel="next"' in first
    second = client.get("/my/privacy/?page=2").content.decode()
    assert second.count("<li data-group") == 3 and 'rel="prev"' in second
