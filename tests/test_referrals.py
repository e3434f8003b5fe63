"""Phase 1: the GP's structured referral, the clinic's inbox and decision, messages and letter."""

import datetime as dt
import uuid

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from samforlop.audit.models import AccessLog
from samforlop.core.workdays import add_working_days
from samforlop.messaging.models import Message
from samforlop.pathways.models import Pathway
from samforlop.patients.actions import add_care_team_member
from samforlop.patients.models import CareTeamMember
from samforlop.portal.models import Letter
from samforlop.referrals.models import Referral
from tests.conftest import make_user, new_patient

D = dt.date
NOW = dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC)  # a Monday


@pytest.fixture(autouse=True)
def pinned():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def gp_patient(personas):
    """A patient on the GP's list, with the municipality's physiotherapist, not yet at any clinic."""
    patient = new_patient(gp=personas.gp, given="Per", family="Henvist", now=NOW)
    patient.email = "per@testbyen.example"
    patient.save(update_fields=["email"])
    for org, role, person in [(personas.gp_office, CareTeamMember.Role.GP, personas.gp),
                              (personas.physio_service, CareTeamMember.Role.PHYSIOTHERAPIST, personas.physiotherapist)]:
        add_care_team_member(patient=patient, organisation=org, role=role, person=person, is_contact_person=True,
                             valid_from=D(2025, 1, 1), now=NOW)
    return patient


COMPLETE = {
    "pain_duration_months": "18", "pain_location": "Korsrygg og nakke",
    "function_reduced": "yes", "function_impact": "Klarer ikke lange gåturer",
    "work_impact": "50 % sykmeldt", "quality_of_life_reduced": "yes",
    "quality_of_life_impact": "Sover dårlig", "factors_physical": "Stillesittende arbeid",
    "factors_social": "Lite nettverk", "traumatic_experiences": "Vold i oppveksten",
    "patient_goals": "Gå tur med hunden hver dag", "patient_expectations": "Å forstå smertene",
    "nav_participation": "yes",
    "treatments-0-kind": "physiotherapy", "treatments-0-period": "Høsten 2025, 10 timer",
    "treatments-0-effect": "some",
}


def form_data(personas, overrides=None, action="submit", submission_id=None):
    data = {
        "clinic": str(personas.clinic.pk), "submission_id": submission_id or str(uuid.uuid4()), "action": action,
        "treatments-TOTAL_FORMS": "3", "treatments-INITIAL_FORMS": "0",
        "treatments-MIN_NUM_FORMS": "0", "treatments-MAX_NUM_FORMS": "1000",
    }
    data.update(COMPLETE)
    data.update(overrides or {})
    return {k: v for k, v in data.items() if v is not None}


def submit(client, personas, patient, **kw):
    return client.post(f"/referrals/new/{patient.pk}/", form_data(personas, **kw))


def submitted_referral(personas, patient, login):
    response = submit(login(personas.gp), personas, patient)
    assert response.status_code == 302, response.content.decode()[:2000]
    return Referral.objects.get(patient=patient)


# --- Writing and submitting ---------------------------------------------------------------

def test_incomplete_referral_is_saved_as_draft_and_every_missing_item_is_named(personas, gp_patient, login, english):
    incomplete = {"pain_location": "", "patient_goals": "", "nav_participation": None, "factors_physical": "",
                  "factors_social": "", "treatments-0-kind": "", "treatments-0-period": "", "treatments-0-effect": ""}
    response = submit(login(personas.gp), personas, gp_patient, overrides=incomplete)
    assert response.status_code == 400
    html = response.content.decode()
    for missing in ("Where is the pain? is missing", "The patient&#x27;s goals, in their own words is missing",
                    "Does the patient agree to NAV taking part? is missing", "at least one group of factors",
                    "at least one treatment tried"):
        assert missing in html, missing
    referral = Referral.objects.get(patient=gp_patient)
    assert referral.status == "draft"  # nothing typed is lost
    assert referral.pain_duration_months == 18 and referral.work_impact == "50 % sykmeldt"
    assert 'value="18"' in html


def test_a_half_filled_treatment_row_names_what_is_missing(personas, gp_patient, login, english):
    response = submit(login(personas.gp), personas, gp_patient, overrides={"treatments-1-kind": "medication"})
    assert response.status_code == 400
    assert "Fill in period for this treatment." in response.content.decode()
    assert not Referral.objects.exists()


def test_complete_referral_is_received_with_a_10_working_day_deadline(personas, gp_patient, login):
    referral = submitted_referral(personas, gp_patient, login)
    assert referral.status == "submitted"
    assert referral.received_on == D(2026, 11, 23)
    assert referral.assessment_deadline == D(2026, 12, 7)  # two weekends later
    assert referral.treatments.get().kind == "physiotherapy"
    # The receiving clinic joins the care team to assess, and is told.
    assert CareTeamMember.objects.filter(patient=gp_patient, organisation=personas.clinic).exists()
    assert Message.objects.filter(kind="referral_received", recipient_organisation=personas.clinic).exists()


def test_double_submitted_referral_creates_one_referral(personas, gp_patient, login):
    client = login(personas.gp)
    submission_id = str(uuid.uuid4())
    for _ in range(2):
        assert client.post(f"/referrals/new/{gp_patient.pk}/",
                           form_data(personas, submission_id=submission_id)).status_code == 302
    assert Referral.objects.filter(patient=gp_patient).count() == 1
    assert Message.objects.filter(kind="referral_received").count() == 1


def test_entry_criteria_come_from_the_definition_and_show_met_and_not_met(personas, gp_patient, login, english):
    client = login(personas.gp)
    client.post(f"/referrals/new/{gp_patient.pk}/", form_data(personas, action="save", overrides={
        "pain_duration_months": "4", "treatments-0-kind": "medication"}))
    referral = Referral.objects.get(patient=gp_patient)
    html = client.get(f"/referrals/{referral.pk}/edit/").content.decode()
    assert 'class="not-met">Pain for at least 6 months: not met' in html
    assert 'class="met">Reduced function or quality of life: met' in html
    assert 'class="not-met">Appropriate treatment in primary care tried' in html


# --- Who sees what --------------------------------------------------------------------------

def test_a_user_of_another_clinic_cannot_open_the_referral(personas, gp_patient, login):
    referral = submitted_referral(personas, gp_patient, login)
    assert login(personas.outsider).get(f"/referrals/{referral.pk}/").status_code == 404
    assert login(personas.outsider).get(f"/referrals/{uuid.uuid4()}/").status_code == 404
    assert AccessLog.objects.filter(user=personas.outsider, outcome="denied").count() == 2
    assert login(personas.clinic_physician).get(f"/referrals/{referral.pk}/").status_code == 200


def test_a_draft_is_seen_only_by_the_referring_office(personas, gp_patient, login):
    login(personas.gp).post(f"/referrals/new/{gp_patient.pk}/", form_data(personas, action="save"))
    referral = Referral.objects.get(patient=gp_patient)
    assert login(personas.physiotherapist).get(f"/referrals/{referral.pk}/").status_code == 404


def test_traumatic_experiences_are_hidden_from_nav_and_the_municipality_on_the_care_team(personas, gp_patient, login):
    referral = submitted_referral(personas, gp_patient, login)
    add_care_team_member(patient=gp_patient, organisation=personas.nav_office, role=CareTeamMember.Role.NAV,
                         valid_from=D(2026, 1, 1), now=NOW)
    colleague = make_user("secretary", personas.gp_office, "secretary")
    assert login(personas.nav_officer).get(f"/referrals/{referral.pk}/").status_code == 404  # no consent yet
    from samforlop.accounts.models import User
    from samforlop.patients.actions import grant_consent

    grant_consent(patient=gp_patient, categories=["referral_and_assessment"], valid_from=D(2026, 1, 1),
                  organisation=personas.nav_office, actor=User.objects.create(username="per", patient=gp_patient),
                  now=NOW)
    html = login(personas.nav_officer).get(f"/referrals/{referral.pk}/").content.decode()
    assert "Gå tur med hunden hver dag" in html and "Korsrygg og nakke" not in html  # NAV: no clinical notes
    assert "Vold i oppveksten" not in html
    for user in (personas.physiotherapist, colleague):
        html = login(user).get(f"/referrals/{referral.pk}/").content.decode()
        assert "Korsrygg og nakke" in html, user  # they see the referral...
        assert "Vold i oppveksten" not in html, user  # ...but never the traumatic experiences
    for user in (personas.gp, personas.clinic_physician, personas.clinic_nurse):
        assert "Vold i oppveksten" in login(user).get(f"/referrals/{referral.pk}/").content.decode(), user


# --- The clinic's inbox and decision ---------------------------------------------------------

def test_inbox_lists_referrals_oldest_first_with_deadline_badges(personas, login, english):
    patients = [new_patient(gp=personas.gp, family=f"P{i}", now=NOW) for i in range(2)]
    for patient in patients:
        add_care_team_member(patient=patient, organisation=personas.gp_office, role=CareTeamMember.Role.GP,
                             valid_from=D(2025, 1, 1), now=NOW)
    with time_machine.travel(dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC), tick=False):
        submit(login(personas.gp), personas, patients[0])  # deadline 16 Nov: passed
    submit(login(personas.gp), personas, patients[1])  # deadline 7 Dec
    response = login(personas.clinic_nurse).get("/referrals/")
    html = response.content.decode()
    assert html.index("Kari P0") < html.index("Kari P1")  # (a bare "P1" can occur in a CSRF token)
    assert "Passed by 5 working days" in html
    assert "10 working days left" in html


def include(personas, referral, login, contact=None):
    return login(personas.clinic_physician).post(f"/referrals/{referral.pk}/decision/", {
        "decision": "include", "contact_person": str((contact or personas.clinic_nurse).pk)})


def test_including_starts_the_pathway_forms_the_care_team_and_tells_everyone(personas, gp_patient, login):
    referral = submitted_referral(personas, gp_patient, login)
    assert include(personas, referral, login).status_code == 302
    referral.refresh_from_db()
    assert referral.status == "included"
    pathway = referral.pathway
    assert pathway.started_on == referral.received_on  # per the definition: dated at receipt
    assert pathway.next_milestone == "assessment_start"
    assert pathway.next_deadline == referral.received_on + dt.timedelta(days=84)
    start = pathway.events.get()
    assert (start.key, start.code) == ("pathway_start", "SM10") and pathway.type_code == "SM01"
    team = {(m.organisation_id, m.person_id, m.is_contact_person) for m in gp_patient.care_team.all()}
    assert (personas.clinic.pk, personas.clinic_nurse.pk, True) in team
    assert (personas.coordinating_unit.pk, personas.municipal_coordinator.pk, True) in team
    assert (personas.gp_office.pk, personas.gp.pk, True) in team
    assert Message.objects.filter(kind="referral_included", recipient_user=personas.gp).exists()
    assert Message.objects.filter(recipient_organisation=personas.coordinating_unit).exists()
    assert Message.objects.filter(kind="letter", recipient_patient=gp_patient).exists()
    letter = Letter.objects.get(referral=referral)
    assert letter.data["contact_person"] == personas.clinic_nurse.display_name
    # The clinic's worklist shows the new pathway with its first deadline.
    rows = login(personas.clinic_physician).get("/worklist/").context["rows"]
    assert [(p.patient_id, p.next_deadline) for p in rows if p.patient_id == gp_patient.pk] == [
        (gp_patient.pk, pathway.next_deadline)]


def test_not_included_ends_the_pathway_and_sends_advice_with_municipal_offers(personas, gp_patient, login):
    referral = submitted_referral(personas, gp_patient, login)
    response = login(personas.clinic_physician).post(f"/referrals/{referral.pk}/decision/", {
        "decision": "not_included", "decision_reason": "Ikke prøvd tilpasset trening",
        "decision_advice": "Prøv frisklivssentralen og gruppetrening først"})
    assert response.status_code == 302
    referral.refresh_from_db()
    pathway = referral.pathway
    assert (referral.status, pathway.status, pathway.outcome) == ("not_included", "ended", "not_included")
    message = Message.objects.get(kind="referral_not_included")
    assert message.recipient_user == personas.gp
    assert "Ikke prøvd tilpasset trening" in message.body and "frisklivssentralen" in message.body
    assert "Fysioterapitjenesten Testbyen" in message.body and "varmtvannsbasseng" in message.body


def test_not_included_needs_a_reason_and_advice(personas, gp_patient, login, english):
    referral = submitted_referral(personas, gp_patient, login)
    response = login(personas.clinic_physician).post(f"/referrals/{referral.pk}/decision/", {"decision": "not_included"})
    assert response.status_code == 400
    assert "Give the reason." in response.content.decode()
    assert Referral.objects.get(pk=referral.pk).status == "submitted" and not Pathway.objects.exists()


def test_needs_more_information_returns_it_to_the_gp_and_the_deadline_does_not_pause(personas, gp_patient, login):
    referral = submitted_referral(personas, gp_patient, login)
    login(personas.clinic_physician).post(f"/referrals/{referral.pk}/decision/", {
        "decision": "needs_information", "questions": "Hvilke medisiner bruker pasienten?"})
    referral.refresh_from_db()
    assert referral.status == "needs_information"
    assert "Hvilke medisiner" in Message.objects.get(kind="referral_returned", recipient_user=personas.gp).body
    with time_machine.travel(dt.datetime(2026, 11, 30, 9, tzinfo=dt.UTC), tick=False):
        response = login(personas.gp).post(f"/referrals/{referral.pk}/edit/", form_data(
            personas, submission_id=str(referral.submission_id),
            overrides={"treatments-0-kind": "medication", "treatments-0-note": "Paracet"}))
        assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == "submitted" and referral.assessment_deadline == D(2026, 12, 7)


def test_the_deadline_pauses_while_with_the_gp_when_the_definition_says_so(personas, gp_patient, login, monkeypatch):
    import dataclasses

    from samforlop.pathways import definitions

    pain = definitions.all_definitions()["smerte"]
    paused = dataclasses.replace(pain, referral=dataclasses.replace(pain.referral, pause_while_with_referrer=True))
    monkeypatch.setitem(definitions.all_definitions(), "smerte", paused)
    referral = submitted_referral(personas, gp_patient, login)
    login(personas.clinic_physician).post(f"/referrals/{referral.pk}/decision/", {
        "decision": "needs_information", "questions": "Mer om arbeid?"})
    with time_machine.travel(dt.datetime(2026, 11, 30, 9, tzinfo=dt.UTC), tick=False):  # 5 working days later
        login(personas.gp).post(f"/referrals/{referral.pk}/edit/", form_data(
            personas, submission_id=str(referral.submission_id)))
    referral.refresh_from_db()
    assert referral.assessment_deadline == add_working_days(D(2026, 11, 23), 15) == D(2026, 12, 14)


def test_only_the_receiving_clinic_decides(personas, gp_patient, login):
    referral = submitted_referral(personas, gp_patient, login)
    response = login(personas.gp).post(f"/referrals/{referral.pk}/decision/", {
        "decision": "include", "contact_person": str(personas.gp.pk)})
    assert response.status_code == 403
    assert Referral.objects.get(pk=referral.pk).status == "submitted"


# --- Messages -------------------------------------------------------------------------------

def test_message_subjects_and_emails_carry_no_health_details(personas, gp_patient, login):
    referral = submitted_referral(personas, gp_patient, login)
    include(personas, referral, login)
    for message in Message.objects.all():
        for secret in (gp_patient.family_name, gp_patient.given_name, gp_patient.national_id, "smert", "Smert"):
            assert secret not in message.subject, message.subject
    call_command("send_messages", "--once", stdout=__import__("io").StringIO())
    assert len(mail.outbox) == Message.objects.exclude(to_address="").count() >= 3
    for email in mail.outbox:
        assert gp_patient.family_name not in email.subject + email.body
        assert "Korsrygg" not in email.body
        assert "http://127.0.0.1:8000/" in email.body  # a link to read the message in Samforløp
    assert Message.objects.filter(delivery="sent").count() == len(mail.outbox)


def test_the_gp_and_the_municipality_read_their_messages_in_samforlop(personas, gp_patient, login):
    referral = submitted_referral(personas, gp_patient, login)
    include(personas, referral, login)
    for user, kind in ((personas.gp, "referral_included"), (personas.municipal_coordinator, "pathway_started_in_municipality")):
        client = login(user)
        message = Message.objects.get(kind=kind)
        assert str(message.pk) in client.get("/messages/").content.decode()
        assert gp_patient.full_name in client.get(f"/messages/{message.pk}/").content.decode()
    message = Message.objects.get(kind="referral_included")
    assert login(personas.outsider).get(f"/messages/{message.pk}/").status_code == 404


def test_development_mailbox_only_with_debug(personas, gp_patient, login, settings):
    submitted_referral(personas, gp_patient, login)
    client = login(personas.gp)
    settings.DEBUG = False
    assert client.get("/dev/mailbox/").status_code == 404
    settings.DEBUG = True
    html = client.get("/dev/mailbox/").content.decode()
    assert "post" in html.lower() and gp_patient.family_name not in html


# --- Consultation before referral ----------------------------------------------------------

def test_gp_asks_for_a_consultation_the_clinic_proposes_a_meeting_and_a_referral_follows(personas, gp_patient, login):
    client = login(personas.gp)
    response = client.post(f"/referrals/consultations/new/{gp_patient.pk}/", {
        "clinic": str(personas.clinic.pk), "question": "Bør hun henvises nå?", "submission_id": str(uuid.uuid4())})
    assert response.status_code == 302
    consultation = gp_patient.consultations.get()
    response = login(personas.clinic_physician).post(f"/referrals/consultations/{consultation.pk}/", {
        "answer_kind": "meeting", "answer": "Vi foreslår et møte", "proposed_meeting_at": "2026-12-01T10:00"})
    assert response.status_code == 302
    consultation.refresh_from_db()
    assert consultation.status == "answered" and consultation.proposed_meeting_at is not None
    assert Message.objects.filter(kind="consultation_answered", recipient_user=personas.gp).exists()
    page = login(personas.gp).get(f"/referrals/consultations/{consultation.pk}/").content.decode()
    assert f"/referrals/new/{gp_patient.pk}/?consultation={consultation.pk}" in page
    login(personas.gp).post(f"/referrals/new/{gp_patient.pk}/?consultation={consultation.pk}", form_data(personas))
    assert Referral.objects.get(patient=gp_patient).consultation == consultation
    # Recorded on the patient, for both sides.
    for user in (personas.gp, personas.clinic_nurse):
        assert f"/referrals/consultations/{consultation.pk}/" in login(user).get(f"/patients/{gp_patient.pk}/").content.decode()


def test_inbox_shows_the_clock_running_or_paused_while_with_the_gp(personas, gp_patient, login, monkeypatch):
    import dataclasses

    from samforlop.pathways import definitions

    referral = submitted_referral(personas, gp_patient, login)
    login(personas.clinic_physician).post(f"/referrals/{referral.pk}/decision/", {
        "decision": "needs_information", "questions": "Mer om arbeid?"})
    html = login(personas.clinic_nurse).get("/referrals/").content.decode()
    assert 'datetime="2026-12-07"' in html and 'data-clock="paused"' not in html
    pain = definitions.all_definitions()["smerte"]
    monkeypatch.setitem(definitions.all_definitions(), "smerte", dataclasses.replace(
        pain, referral=dataclasses.replace(pain.referral, pause_while_with_referrer=True)))
    assert 'data-clock="paused"' in login(personas.clinic_nurse).get("/referrals/").content.decode()


def test_a_second_referral_for_a_patient_already_in_a_pathway_is_refused_with_a_message(personas, gp_patient, login, english):
    referral = submitted_referral(personas, gp_patient, login)
    include(personas, referral, login)
    login(personas.gp).post(f"/referrals/new/{gp_patient.pk}/", form_data(personas))
    second = Referral.objects.filter(patient=gp_patient, status="submitted").get()
    response = include(personas, second, login)
    assert response.status_code == 400
    assert "already has an active pathway" in response.content.decode()
    assert Referral.objects.get(pk=second.pk).status == "submitted"
