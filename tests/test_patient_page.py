"""The patient page: timeline and care team for the care team; the same 404 for everyone else."""

import datetime as dt
import re
import uuid

import pytest
import time_machine

from samforlop.audit.models import AccessLog
from samforlop.patients.actions import add_care_team_member
from samforlop.patients.models import CareTeamMember
from tests.conftest import register, start

D = dt.date


@pytest.fixture
def pathway(personas):
    with time_machine.travel(dt.datetime(2026, 10, 1, 10, tzinfo=dt.UTC)):
        pathway = start(personas, D(2026, 8, 3))
        register(personas, pathway, "assessment_start", D(2026, 9, 1))
    return pathway


def url(patient_id):
    return f"/patients/{patient_id}/"


@time_machine.travel(dt.datetime(2026, 11, 23, 10, tzinfo=dt.UTC), tick=False)
def test_care_team_member_sees_the_timeline_and_care_team(personas, pathway, login, english):
    response = login(personas.clinic_physician).get(url(personas.patient.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert personas.patient.full_name in html
    assert "Interdisciplinary assessment started" in html and "Done" in html
    assert 'data-limit="referral_to_assessment" data-state="met"' in html
    assert 'data-limit="assessment_time" data-state="at_risk"' in html  # 83 days of 84
    assert 'data-limit="summarizing_to_followup" data-state="not_started"' in html
    assert "Mona Sykepleier" in html and "Contact person" in html and "Coordinator" in html
    assert "Testbyen legesenter" in html


@time_machine.travel(dt.datetime(2026, 11, 23, 10, tzinfo=dt.UTC), tick=False)
def test_every_care_team_organisation_sees_the_patient(personas, pathway, login):
    for user in (personas.gp, personas.physiotherapist, personas.clinic_nurse):
        assert login(user).get(url(personas.patient.pk)).status_code == 200


@time_machine.travel(dt.datetime(2026, 11, 23, 10, tzinfo=dt.UTC), tick=False)
def test_outsider_gets_404_and_the_denial_is_logged(personas, pathway, login):
    response = login(personas.outsider).get(url(personas.patient.pk))
    assert response.status_code == 404
    assert personas.patient.family_name not in response.content.decode()
    entry = AccessLog.objects.get(user=personas.outsider)
    assert entry.outcome == "denied"
    assert entry.patient_id == personas.patient.pk
    assert entry.organisation_id == personas.other_clinic.pk
    assert entry.role == "physician"
    assert entry.what == "patient_page"


@time_machine.travel(dt.datetime(2026, 11, 23, 10, tzinfo=dt.UTC), tick=False)
def test_random_uuid_gets_the_same_404(personas, pathway, login):
    client = login(personas.outsider)
    random_id = uuid.uuid4()
    hidden = client.get(url(personas.patient.pk))
    missing = client.get(url(random_id))
    assert missing.status_code == hidden.status_code == 404

    def page(response, requested):  # all but the per-response CSRF token and the echoed path
        html = response.content.decode().replace(str(requested), "ID")
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)

    assert page(missing, random_id) == page(hidden, personas.patient.pk)
    assert AccessLog.objects.filter(user=personas.outsider, outcome="denied").count() == 2


@time_machine.travel(dt.datetime(2026, 11, 23, 10, tzinfo=dt.UTC), tick=False)
def test_nav_sees_the_patient_only_while_on_the_care_team_and_with_consent(personas, pathway, login):
    from samforlop.accounts.models import User
    from samforlop.patients.actions import grant_consent

    me = User.objects.create(username="kari", patient=personas.patient)
    grant_consent(patient=personas.patient, categories=["plan_and_meetings"], valid_from=D(2026, 1, 1),
                  organisation=personas.nav_office, actor=me, now=dt.datetime.now(dt.UTC))
    client = login(personas.nav_officer)
    assert client.get(url(personas.patient.pk)).status_code == 404
    add_care_team_member(patient=personas.patient, organisation=personas.nav_office, role=CareTeamMember.Role.NAV,
                         valid_from=D(2026, 11, 1), valid_to=D(2026, 11, 22), now=dt.datetime.now(dt.UTC))
    assert client.get(url(personas.patient.pk)).status_code == 404  # the membership ended yesterday
    add_care_team_member(patient=personas.patient, organisation=personas.nav_office, role=CareTeamMember.Role.NAV,
                         valid_from=D(2026, 11, 23), now=dt.datetime.now(dt.UTC))
    assert client.get(url(personas.patient.pk)).status_code == 200


@time_machine.travel(dt.datetime(2026, 11, 23, 10, tzinfo=dt.UTC), tick=False)
def test_every_read_is_access_logged_with_who_and_what(personas, pathway, login):
    login(personas.gp).get(url(personas.patient.pk))
    entry = AccessLog.objects.get(user=personas.gp)
    assert (entry.patient_id, entry.what, entry.outcome, entry.organisation_id, entry.role) == (
        personas.patient.pk, "patient_page", "granted", personas.gp_office.pk, "physician")
    assert entry.at == dt.datetime(2026, 11, 23, 10, tzinfo=dt.UTC)


def test_anonymous_visitor_is_sent_to_log_in(personas, pathway, client):
    response = client.get(url(personas.patient.pk))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_identity_number_is_masked_shown_on_request_and_never_in_urls_or_the_access_log(personas, pathway, login):
    client = login(personas.clinic_physician)
    html = client.get(url(personas.patient.pk)).content.decode()
    number = personas.patient.national_id
    assert number not in html and f"{number[:6]} •••••" in html  # the birth date part, the rest masked
    shown = client.post(f"/patients/{personas.patient.pk}/identity-number/")
    assert shown.status_code == 200 and number in shown.content.decode()  # shown on request...
    assert AccessLog.objects.filter(what="identity_number", user=personas.clinic_physician,
                                    patient=personas.patient, outcome="granted").count() == 1
    links = re.findall(r'(?:href|action)="([^"]*)"', shown.content.decode())
    assert links and all(number not in link for link in links)  # ...never in a URL
    for row in AccessLog.objects.values():
        assert number not in str(row)
    assert client.get(f"/patients/{personas.patient.pk}/identity-number/").status_code == 405


def test_an_outsider_cannot_have_the_identity_number_shown(personas, pathway, login):
    response = login(personas.outsider).post(f"/patients/{personas.patient.pk}/identity-number/")
    assert response.status_code == 404
    assert AccessLog.objects.filter(what="identity_number", outcome="denied").count() == 1


def test_patient_page_query_count_does_not_grow_with_events(personas, login, django_assert_num_queries):
    with time_machine.travel(dt.datetime(2026, 10, 1, 10, tzinfo=dt.UTC)):
        pathway = start(personas, D(2026, 8, 3))
        register(personas, pathway, "mapping_consultation", D(2026, 8, 10))
        register(personas, pathway, "assessment_start", D(2026, 9, 1))
        register(personas, pathway, "summarizing_meeting", D(2026, 9, 30))
    client = login(personas.clinic_physician)
    client.get("/healthz")  # the first request after log-in starts the session clock (one write)
    # session, user, guard + patient, access log, pathways, events, registering users,
    # meetings, care team, the user's organisation, referrals, consultations; the access log's
    # chain head read and moved on (tamper evidence)
    with django_assert_num_queries(14):
        assert client.get(url(personas.patient.pk)).status_code == 200
