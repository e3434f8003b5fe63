"""Consent to share with NAV and relatives, per category and period (issue 7, point 3)."""

import datetime as dt
import uuid

import pytest
import time_machine
from django.test import Client

from samforlop.accounts.models import User
from samforlop.audit.models import AccessLog, AuditEntry
from samforlop.careplan import actions as plan_actions
from samforlop.checkins import actions as checkin_actions
from samforlop.demo.synthetic import synthetic_identity_number
from samforlop.patients.actions import add_care_team_member, end_care_team_membership
from samforlop.patients.models import CareTeamMember, SharingConsent

from .conftest import start

NOW = dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC)
D = dt.date


@pytest.fixture(autouse=True)
def pinned():
    with time_machine.travel(NOW, tick=False):
        yield



@pytest.fixture
def nav_on_team(personas):
    return add_care_team_member(patient=personas.patient, organisation=personas.nav_office,
                                role=CareTeamMember.Role.NAV, person=personas.nav_officer, valid_from=D(2026, 1, 1),
                                now=NOW)


def client_for(user):
    client = Client()
    client.cookies["django_language"] = "en"  # the tests read messages in English
    client.force_login(user)
    return client


def share(me, grantee, *categories, valid_from="2026-11-01", valid_to="", **extra):
    return client_for(me).post("/my/sharing/", {"grantee": grantee, "categories": list(categories),
                                                "valid_from": valid_from, "valid_to": valid_to, **extra})


def with_a_plan_and_a_checkin(personas):
    plan_actions.add_goal(patient=personas.patient, text="Gå til jobben to dager i uka", actor=personas.clinic_nurse,
                          now=NOW, submission_id=uuid.uuid4())
    return checkin_actions.submit_checkin(patient=personas.patient, questionnaire_key="work_ability",
                                          answers={"work_ability_now": 5}, actor=personas.patient.user, now=NOW,
                                          submission_id=uuid.uuid4())


def test_nav_on_the_care_team_without_consent_sees_nothing(personas, nav_on_team, me):
    nav = client_for(personas.nav_officer)
    assert nav.get(f"/patients/{personas.patient.pk}/").status_code == 404
    assert nav.get(f"/patients/{personas.patient.pk}/plan/").status_code == 404
    assert personas.patient.family_name not in nav.get("/patients/").content.decode()


def test_nav_with_consent_for_plan_and_meetings_sees_the_plan_and_gets_404_on_checkins(personas, nav_on_team, me):
    with_a_plan_and_a_checkin(personas)
    start(personas, D(2026, 11, 1), now=NOW)
    assert share(me, str(personas.nav_office.pk), "plan_and_meetings").status_code == 302
    nav = client_for(personas.nav_officer)
    page = nav.get(f"/patients/{personas.patient.pk}/")
    assert page.status_code == 200 and "data-consent-limited" in page.content.decode()
    assert 'data-state=' in page.content.decode()  # the pathway's time limits...
    assert 'class="events"' not in page.content.decode()  # ...but not the clinicians' event log
    assert 'class="events"' in client_for(personas.gp).get(f"/patients/{personas.patient.pk}/").content.decode()
    assert f"/patients/{personas.patient.pk}/checkins/" not in page.content.decode()
    plan = nav.get(f"/patients/{personas.patient.pk}/plan/")
    assert plan.status_code == 200 and "Gå til jobben to dager i uka" in plan.content.decode()
    assert nav.get(f"/patients/{personas.patient.pk}/checkins/").status_code == 404
    # The same 404 as for a patient that does not exist.
    assert nav.get(f"/patients/{uuid.uuid4()}/checkins/").status_code == 404


def test_nav_never_sees_the_referrals_clinical_notes_even_with_consent(personas, nav_on_team, me, login):
    from tests.test_referrals import submitted_referral

    referral = submitted_referral(personas, personas.patient, login)
    nav = client_for(personas.nav_officer)
    assert nav.get(f"/referrals/{referral.pk}/").status_code == 404
    share(me, str(personas.nav_office.pk), "referral_and_assessment")
    html = nav.get(f"/referrals/{referral.pk}/").content.decode()
    assert "Gå tur med hunden hver dag" in html and "50 % sykmeldt" in html  # goals, work
    for clinical in ("Vold i oppveksten", "Korsrygg og nakke", "Stillesittende arbeid", "Lite nettverk", "Sover dårlig"):
        assert clinical not in html, clinical
    assert "data-clinical" in client_for(personas.gp).get(f"/referrals/{referral.pk}/").content.decode()


def test_nav_reads_only_the_non_clinical_sections_of_the_assessment(personas, nav_on_team, me):
    from samforlop.assessments.actions import start_assessment, write_assessment_entry

    pathway = start(personas, D(2026, 11, 1), now=NOW)
    start_assessment(pathway=pathway, date=D(2026, 11, 2), actor=personas.clinic_physician, now=NOW,
                     submission_id=uuid.uuid4())
    for section, text in (("psychological", "Engstelig, sover dårlig"), ("work_and_economy", "Ønsker 50 % arbeid")):
        write_assessment_entry(pathway=pathway, section=section, text=text, actor=personas.clinic_physician, now=NOW,
                               submission_id=uuid.uuid4())
    share(me, str(personas.nav_office.pk), "referral_and_assessment")
    html = client_for(personas.nav_officer).get(f"/pathways/{pathway.pk}/assessment/").content.decode()
    assert "Ønsker 50 % arbeid" in html and "Engstelig" not in html


def test_a_relative_sees_what_is_shared_and_withdrawing_denies_their_next_request(personas, me):
    with_a_plan_and_a_checkin(personas)
    number = synthetic_identity_number(__import__("random").Random(7))
    response = share(me, "relative", "checkins", relative_name="Ola Testesen", national_id=number)
    assert response.status_code == 302
    relative = User.objects.get(person_identifier__isnull=False)
    assert relative.person_identifier and number not in relative.username  # no identity number stored
    as_relative = client_for(relative)
    assert as_relative.get("/shared/").status_code == 200
    page = as_relative.get(f"/shared/{personas.patient.pk}/").content.decode()
    assert 'data-section="checkins"' in page and 'data-section="plan_and_meetings"' not in page
    assert "/patients/" not in page and "Shared with me" in page  # the relative's own menu, not the staff's
    assert as_relative.get(f"/patients/{personas.patient.pk}/plan/").status_code in (302, 403, 404)
    consent = SharingConsent.objects.get()
    client_for(me).post("/my/sharing/", {"withdraw": str(consent.pk)})
    assert as_relative.get(f"/shared/{personas.patient.pk}/").status_code == 404
    assert AccessLog.objects.filter(user=relative, outcome="denied").exists()


def test_a_consent_holds_only_within_its_period(personas, nav_on_team, me):
    share(me, str(personas.nav_office.pk), "plan_and_meetings", valid_from="2026-12-01", valid_to="2026-12-31")
    url = f"/patients/{personas.patient.pk}/plan/"
    assert client_for(personas.nav_officer).get(url).status_code == 404
    with time_machine.travel(dt.datetime(2026, 12, 15, 9, tzinfo=dt.UTC), tick=False):
        assert client_for(personas.nav_officer).get(url).status_code == 200
    with time_machine.travel(dt.datetime(2027, 1, 1, 9, tzinfo=dt.UTC), tick=False):
        assert client_for(personas.nav_officer).get(url).status_code == 404


def test_consent_changes_are_audited_with_old_and_new_value(personas, nav_on_team, me):
    share(me, str(personas.nav_office.pk), "plan_and_meetings", "checkins")
    granted = AuditEntry.objects.filter(action="consent_granted").order_by("pk")
    assert [e.data["new"]["category"] for e in granted] == ["plan_and_meetings", "checkins"]
    assert all(e.data["old"] is None for e in granted)
    consent = SharingConsent.objects.get(category="checkins")
    client_for(me).post("/my/sharing/", {"withdraw": str(consent.pk)})
    withdrawn = AuditEntry.objects.get(action="consent_withdrawn")
    assert withdrawn.data["old"]["status"] == "active" and withdrawn.data["new"]["status"] == "withdrawn"


def test_a_refused_consent_names_the_field_and_stores_nothing(personas, nav_on_team, me, english):
    response = share(me, str(personas.nav_office.pk))
    assert response.status_code == 400 and "This field is required" in response.content.decode()
    response = share(me, "relative", "checkins", relative_name="Ola", national_id="12345678901")
    assert response.status_code == 400 and "check digits" in response.content.decode()
    response = share(me, str(personas.nav_office.pk), "checkins", valid_from="2026-12-01", valid_to="2026-11-01")
    assert response.status_code == 400 and "The end date is before the start date." in response.content.decode()
    assert not SharingConsent.objects.exists() and not AuditEntry.objects.filter(action="consent_granted").exists()


def test_a_double_submitted_consent_stores_one_row(personas, nav_on_team, me):
    share(me, str(personas.nav_office.pk), "checkins")
    share(me, str(personas.nav_office.pk), "checkins")
    assert SharingConsent.objects.count() == 1


def test_consent_cannot_be_given_to_an_organisation_outside_the_care_team_or_for_another_patient(personas, me):
    from tests.conftest import new_patient

    other = new_patient(given="Per", family="Annen", now=NOW)
    response = share(me, str(personas.nav_office.pk), "checkins", patient=str(other.pk))
    assert response.status_code == 400  # NAV is not on the care team: not a choice
    add_care_team_member(patient=personas.patient, organisation=personas.nav_office, role=CareTeamMember.Role.NAV,
                         valid_from=D(2026, 1, 1), now=NOW)
    share(me, str(personas.nav_office.pk), "checkins", patient=str(other.pk), recorded_by=str(personas.gp.pk))
    consent = SharingConsent.objects.get()  # mass assignment: the form cannot choose patient or author
    assert consent.patient_id == personas.patient.pk and consent.recorded_by_id == me.pk


def test_only_the_patient_gives_consent(personas, nav_on_team):
    from django.core.exceptions import ValidationError

    from samforlop.patients.actions import grant_consent

    with pytest.raises(ValidationError):
        grant_consent(patient=personas.patient, categories=["checkins"], valid_from=D(2026, 11, 1),
                      organisation=personas.nav_office, actor=personas.clinic_nurse, now=NOW)


def test_care_team_changes_are_audited_with_old_and_new_and_take_effect_on_the_next_request(personas):
    gp = client_for(personas.gp)
    url = f"/patients/{personas.patient.pk}/"
    assert gp.get(url).status_code == 200
    member = CareTeamMember.objects.get(patient=personas.patient, organisation=personas.gp_office)
    end_care_team_membership(member=member, valid_to=D(2026, 11, 22), actor=personas.clinic_nurse, now=NOW)
    assert gp.get(url).status_code == 404
    entry = AuditEntry.objects.get(action="care_team_membership_ended")
    assert entry.data["old"] == {"valid_to": None} and entry.data["new"] == {"valid_to": "2026-11-22"}
    added = AuditEntry.objects.filter(action="care_team_member_added").first()
    assert added.data["old"] is None and added.data["new"]["role"]
