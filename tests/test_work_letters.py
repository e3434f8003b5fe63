"""The letter to the employer (issue 10, part 2): written with the patient, printable only with the
patient's explicit consent to that letter, never naming a diagnosis unless the patient chooses to,
and every release and print access-logged."""

import datetime as dt
import re
import uuid

import pytest
import time_machine
from django.test import Client

from samforlop.audit.models import AccessLog, AuditEntry
from samforlop.messaging.models import Message
from samforlop.patients.actions import add_care_team_member, grant_consent, withdraw_consent
from samforlop.patients.models import CareTeamMember
from samforlop.work import actions
from samforlop.work.models import EmployerLetter, EmployerLetterRelease

D = dt.date
NOW = dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def pinned():
    with time_machine.travel(NOW, tick=False):
        yield



@pytest.fixture
def nav(personas, me):
    """NAV on the care team with its contact person, and the patient's consent to share work."""
    personas.nav_officer.email = "siri.veileder@nav.example"
    personas.nav_officer.save(update_fields=["email"])
    add_care_team_member(patient=personas.patient, organisation=personas.nav_office, role=CareTeamMember.Role.NAV,
                         person=personas.nav_officer, is_contact_person=True, valid_from=D(2026, 1, 1), now=NOW)
    [consent] = grant_consent(patient=personas.patient, categories=["work"], valid_from=D(2026, 11, 1),
                              organisation=personas.nav_office, actor=me, now=NOW)
    return consent


def client_for(user):
    client = Client()
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return client


def sid():
    return str(uuid.uuid4())


def staff_draft(personas, client):
    response = client.post(f"/patients/{personas.patient.pk}/work/letter/", {"submission_id": sid()})
    assert response.status_code == 302
    return EmployerLetter.objects.order_by("-created_at").first()


def urls(personas, letter):
    return {"staff": f"/patients/{personas.patient.pk}/work/letters/{letter.pk}/",
            "staff_print": f"/patients/{personas.patient.pk}/work/letters/{letter.pk}/print/",
            "mine": f"/my/work/letters/{letter.pk}/", "my_print": f"/my/work/letters/{letter.pk}/print/"}


def approve(client, url, letter, **extra):
    letter.refresh_from_db()
    return client.post(url, {"action": "approve", "revision": letter.revision, **extra})


def body(html: str) -> str:
    return re.search(r'<article class="letter" data-letter-body>.*?</article>', html, re.S).group(0)


def test_no_letter_is_printed_without_the_patients_consent_to_it(personas, me, nav):
    nav_client, patient = client_for(personas.nav_officer), client_for(me)
    letter = staff_draft(personas, nav_client)
    u = urls(personas, letter)
    assert (letter.status, letter.created_by, letter.include_diagnosis) == ("draft", personas.nav_officer, False)
    assert Message.objects.filter(recipient_patient=personas.patient, kind="employer_letter",
                                  link=u["mine"]).exists()
    # Before approval: no print, for anyone.
    assert nav_client.get(u["staff_print"]).status_code == 404
    assert client_for(personas.gp).get(u["staff_print"]).status_code == 404
    assert patient.get(u["my_print"]).status_code == 404
    assert AccessLog.objects.filter(what="employer_letter_print", outcome="denied", patient=personas.patient).count() == 3

    # Approving without ticking the consent box is refused, naming the box; nothing is stored.
    response = approve(patient, u["mine"], letter)
    assert response.status_code == 400
    assert ("I have read the letter above and consent to it being given to my employer as it reads.: "
            "Tick the box to consent to this letter being given to your employer.") in response.content.decode()
    letter.refresh_from_db()
    assert letter.status == "draft" and not EmployerLetterRelease.objects.exists()
    assert not AccessLog.objects.filter(what="employer_letter_release").exists()
    assert patient.get(u["my_print"]).status_code == 404

    # With consent: released, access-logged, printable for the patient and for staff with work access.
    assert approve(patient, u["mine"], letter, consent="on").status_code == 302
    letter.refresh_from_db()
    release = EmployerLetterRelease.objects.get()
    assert (letter.status, release.revision, release.consented_by) == ("approved", letter.revision, me)
    assert AccessLog.objects.filter(what="employer_letter_release", user=me, patient=personas.patient,
                                    outcome="granted").count() == 1
    assert AuditEntry.objects.filter(action="employer_letter_released", object_id=str(letter.pk)).exists()
    assert Message.objects.filter(recipient_user=personas.nav_officer, kind="employer_letter").exists()
    for client, url in ((patient, u["my_print"]), (nav_client, u["staff_print"]),
                        (client_for(personas.gp), u["staff_print"])):
        page = client.get(url)
        assert page.status_code == 200 and "data-print" in page.content.decode()
    assert AccessLog.objects.filter(what="employer_letter_print", outcome="granted",
                                    patient=personas.patient).count() == 3
    assert client_for(personas.outsider).get(u["staff_print"]).status_code == 404

    # Withdrawn: no print again.
    assert patient.post(u["mine"], {"action": "withdraw"}).status_code == 302
    letter.refresh_from_db()
    assert letter.status == "withdrawn"
    assert patient.get(u["my_print"]).status_code == 404
    assert nav_client.get(u["staff_print"]).status_code == 404
    release.refresh_from_db()
    assert release.ended_because == "withdrawn"


def test_any_change_after_approval_needs_a_new_approval(personas, me, nav):
    nav_client, patient = client_for(personas.nav_officer), client_for(me)
    letter = staff_draft(personas, nav_client)
    u = urls(personas, letter)
    approve(patient, u["mine"], letter, consent="on")
    assert nav_client.get(u["staff_print"]).status_code == 200
    letter.refresh_from_db()
    response = nav_client.post(u["staff"], {
        "revision": letter.revision, "employer_name": "Ny arbeidsgiver AS", "general_text": letter.general_text,
        "adjustments": ["extra_breaks"], "schemes": letter.schemes, "nav_contact_name": letter.nav_contact_name,
        "nav_contact_office": letter.nav_contact_office, "nav_contact_email": letter.nav_contact_email})
    assert response.status_code == 302
    letter.refresh_from_db()
    assert (letter.status, letter.adjustments, letter.revision) == ("draft", ["extra_breaks"], 2)
    assert EmployerLetterRelease.objects.get().ended_because == "changed"
    assert nav_client.get(u["staff_print"]).status_code == 404 and patient.get(u["my_print"]).status_code == 404
    assert Message.objects.filter(recipient_patient=personas.patient, kind="employer_letter").count() == 2
    # The patient approving what they read before the change is refused: they read it again.
    response = patient.post(u["mine"], {"action": "approve", "revision": 1, "consent": "on"})
    assert response.status_code == 400 and "The letter changed after you opened it." in response.content.decode()
    assert approve(patient, u["mine"], letter, consent="on").status_code == 302
    assert EmployerLetterRelease.objects.filter(ended_at__isnull=True).get().revision == 2
    page = patient.get(u["my_print"]).content.decode()
    assert "Ny arbeidsgiver AS" in page and "Extra breaks" in page and "Flexible working hours" not in page


def test_no_diagnosis_in_the_letter_unless_the_patient_chooses_it(personas, me, nav):
    personas.patient.diagnosis_group = "inflammatory_rheumatic"
    personas.patient.save(update_fields=["diagnosis_group"])
    nav_client, patient = client_for(personas.nav_officer), client_for(me)
    letter = staff_draft(personas, nav_client)
    u = urls(personas, letter)
    # Staff cannot put a diagnosis in: the fields are not theirs, and posted ones are ignored.
    assert "include_diagnosis" not in nav_client.get(u["staff"]).content.decode()
    letter.refresh_from_db()
    nav_client.post(u["staff"], {
        "revision": letter.revision, "general_text": letter.general_text, "adjustments": letter.adjustments,
        "schemes": letter.schemes, "include_diagnosis": "on", "diagnosis_text": "Inflammatory rheumatic disease"})
    letter.refresh_from_db()
    assert (letter.include_diagnosis, letter.diagnosis_text) == (False, "")
    # The patient is offered the diagnosis group's label to edit, but it is not in the letter.
    page = patient.get(u["mine"]).content.decode()
    assert "Inflammatory rheumatic disease" in page and "Inflammatory rheumatic disease" not in body(page)
    approve(patient, u["mine"], letter, consent="on")
    printed = patient.get(u["my_print"]).content.decode()
    for word in ("Inflammatory rheumatic", "Inflammatorisk revmatisk", "inflammatory_rheumatic", "rheumat",
                 "revmat", "Diagnosis"):
        assert word not in printed
    assert "data-diagnosis" not in printed

    # The patient chooses to name it, in their own words: now it is in the letter (after approval).
    letter.refresh_from_db()
    response = patient.post(u["mine"], {
        "action": "change", "revision": letter.revision, "general_text": letter.general_text,
        "adjustments": letter.adjustments, "schemes": letter.schemes, "nav_contact_name": letter.nav_contact_name,
        "nav_contact_office": letter.nav_contact_office, "nav_contact_email": letter.nav_contact_email,
        "include_diagnosis": "on", "diagnosis_text": "Bekhterevs sykdom, som er godt behandlet"})
    assert response.status_code == 302
    assert patient.get(u["my_print"]).status_code == 404  # changed: approve again
    approve(patient, u["mine"], letter, consent="on")
    printed = patient.get(u["my_print"]).content.decode()
    assert "Bekhterevs sykdom, som er godt behandlet" in printed and "data-diagnosis" in printed


def test_including_a_diagnosis_needs_the_text(personas, me, nav):
    patient = client_for(me)
    patient.post("/my/work/", {"action": "letter", "submission_id": sid()})
    letter = EmployerLetter.objects.get()
    assert letter.created_by == me
    response = patient.post(f"/my/work/letters/{letter.pk}/", {
        "action": "change", "revision": letter.revision, "general_text": "Tekst", "include_diagnosis": "on",
        "diagnosis_text": ""})
    assert response.status_code == 400
    assert ("The diagnosis, as you want your employer to read it: Write the diagnosis as you want the employer to "
            "read it, or leave it out.") in response.content.decode()
    letter.refresh_from_db()
    assert letter.revision == 1 and not letter.include_diagnosis


def test_the_preview_is_exactly_what_prints(personas, me, nav):
    patient = client_for(me)
    assert patient.post("/my/work/", {"action": "letter", "submission_id": sid()}).status_code == 302
    letter = EmployerLetter.objects.get()
    u = urls(personas, letter)
    preview = body(patient.get(u["mine"]).content.decode())
    approve(patient, u["mine"], letter, consent="on")
    assert body(patient.get(u["my_print"]).content.decode()) == preview
    assert body(client_for(personas.nav_officer).get(u["staff_print"]).content.decode()) == preview
    # The defaults: the general text, the usual adjustments and schemes, and the NAV contact.
    for text in ("long-lasting health condition", "Flexible working hours", "Varied tasks", "Home office on bad days",
                 "National Insurance Act § 8-20", "Graded sick leave", "Grant for expert assistance",
                 "Siri Veileder", "NAV Testbyen", "siri.veileder@nav.example"):
        assert text in preview


def test_a_new_letter_takes_the_adjustments_of_the_latest_agreement(personas, me, nav):
    actions.record_workplace_agreement(patient=personas.patient, agreed_on=D(2026, 11, 20), employer_name="Firma AS",
                                       adjustments=["reduced_hours", "adapted_workstation"], actor=personas.gp, now=NOW,
                                       submission_id=uuid.uuid4())
    letter = actions.draft_employer_letter(patient=personas.patient, actor=me, now=NOW, submission_id=uuid.uuid4())
    assert (letter.employer_name, letter.adjustments) == ("Firma AS", ["reduced_hours", "adapted_workstation"])


def test_nav_without_consent_to_share_work_cannot_read_or_print_letters(personas, me, nav):
    nav_client = client_for(personas.nav_officer)
    letter = staff_draft(personas, nav_client)
    approve(client_for(me), urls(personas, letter)["mine"], letter, consent="on")
    u = urls(personas, letter)
    assert nav_client.get(u["staff_print"]).status_code == 200
    withdraw_consent(consent=nav, actor=me, now=NOW)
    assert nav_client.get(u["staff"]).status_code == 404
    assert nav_client.get(u["staff_print"]).status_code == 404
    # And a letter id under another patient's URL is the same 404.
    assert client_for(personas.gp).get(
        f"/patients/{uuid.uuid4()}/work/letters/{letter.pk}/print/").status_code == 404


def test_only_the_patient_approves_or_withdraws(personas, me, nav):
    letter = actions.draft_employer_letter(patient=personas.patient, actor=personas.gp, now=NOW,
                                           submission_id=uuid.uuid4())
    with pytest.raises(actions.WorkError):
        actions.approve_employer_letter(letter=letter, revision=letter.revision, consent=True, actor=personas.gp,
                                        now=NOW)
    actions.approve_employer_letter(letter=letter, revision=letter.revision, consent=True, actor=me, now=NOW)
    with pytest.raises(actions.WorkError):
        actions.withdraw_employer_letter_consent(letter=letter, actor=personas.gp, now=NOW)
    # A double submit of the approval: one release.
    actions.approve_employer_letter(letter=letter, revision=letter.revision, consent=True, actor=me, now=NOW)
    assert EmployerLetterRelease.objects.count() == 1
