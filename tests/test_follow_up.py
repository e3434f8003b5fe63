"""Patient-controlled follow-up (PORS): enrolment, blood-test intervals, reminders, "I need an
appointment", the clinic's answer in time, and the training diary."""

import datetime as dt
import io
import uuid

import pytest
import time_machine
from django.core.management import call_command

from samforlop.accounts.models import User
from samforlop.careplan.actions import add_measure
from samforlop.checkins import actions
from samforlop.checkins.models import CheckinSchedule, FollowUpEnrolment
from samforlop.messaging.models import Message
from samforlop.patients.identity import with_check_digits
from samforlop.tasks.actions import answer_task
from samforlop.tasks.models import Task

D = dt.date
NOW = dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC)


def born(day: dt.date) -> str:
    """A synthetic identity number (month + 80) for someone born on `day` (1900s)."""
    for individual in range(500):
        number = with_check_digits(f"{day.day:02d}{day.month + 80:02d}{day.year % 100:02d}{individual:03d}")
        if number:
            return number


@pytest.mark.parametrize("birth, other_illness, months", [
    (D(1961, 11, 24), False, 6),   # 64, turns 65 tomorrow
    (D(1961, 11, 23), False, 3),   # 65 today
    (D(1990, 5, 1), True, 3),      # other illness
    (D(1990, 5, 1), False, 6),
])
def test_blood_test_interval_by_age_and_illness(personas, birth, other_illness, months):
    personas.patient.national_id = born(birth)
    personas.patient.save(update_fields=["national_id"])
    assert actions.blood_test_interval_months(personas.patient, D(2026, 11, 23), other_illness) == months


def enrol(personas, other_illness=False):
    return actions.enrol_in_follow_up(patient=personas.patient, clinic=personas.clinic, other_illness=other_illness,
                                      actor=personas.clinic_physician, now=NOW)


def test_enrolment_makes_the_gp_the_medical_contact_with_a_yearly_status_check(personas, login):
    with time_machine.travel(NOW, tick=False):
        enrolment = enrol(personas, other_illness=True)
    assert enrolment.medical_contact == personas.gp
    assert (enrolment.blood_test_interval_months, enrolment.next_blood_test_on) == (3, D(2027, 2, 23))
    schedule = CheckinSchedule.objects.get(patient=personas.patient)
    assert (schedule.questionnaire, schedule.interval_months, schedule.next_due_on) == ("pors_status", 12, D(2027, 11, 23))
    with pytest.raises(actions.CheckinError):
        enrol(personas)


def reminders(now):
    with time_machine.travel(now, tick=False):
        call_command("send_reminders", "--once", stdout=io.StringIO())


def test_reminders_are_queued_once_then_a_second_after_a_week_and_not_after_the_check_in(personas, login):
    me = User.objects.create(username="kari", patient=personas.patient)
    with time_machine.travel(NOW, tick=False):
        actions.schedule_checkins(patient=personas.patient, questionnaire_key="work_ability", interval_months=3,
                                  first_due_on=D(2026, 12, 1), actor=personas.clinic_nurse, now=NOW)
    reminders(dt.datetime(2026, 11, 30, 9, tzinfo=dt.UTC))
    assert not Message.objects.filter(kind="checkin_reminder").exists()  # not due yet
    for _ in range(2):
        reminders(dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC))
    assert Message.objects.filter(kind="checkin_reminder").count() == 1
    reminders(dt.datetime(2026, 12, 7, 9, tzinfo=dt.UTC))
    assert Message.objects.filter(kind="checkin_reminder").count() == 1  # six days: no second yet
    for _ in range(2):
        reminders(dt.datetime(2026, 12, 8, 9, tzinfo=dt.UTC))
    assert Message.objects.filter(kind="checkin_reminder").count() == 2
    with time_machine.travel(dt.datetime(2026, 12, 9, 9, tzinfo=dt.UTC), tick=False):
        login(me).post("/my/checkins/work_ability/", {"submission_id": str(uuid.uuid4()), "work_ability_now": "6"})
    assert CheckinSchedule.objects.get().next_due_on == D(2027, 3, 9)
    reminders(dt.datetime(2026, 12, 20, 9, tzinfo=dt.UTC))
    assert Message.objects.filter(kind="checkin_reminder").count() == 2  # done: no more until next time


def test_blood_test_reminders_go_to_patient_and_gp_and_move_on(personas):
    with time_machine.travel(NOW, tick=False):
        enrol(personas)
    reminders(dt.datetime(2027, 5, 23, 9, tzinfo=dt.UTC))
    reminders(dt.datetime(2027, 5, 24, 9, tzinfo=dt.UTC))
    sent = Message.objects.filter(kind="blood_test_reminder")
    assert {(m.recipient_patient_id, m.recipient_user_id) for m in sent} == {
        (personas.patient.pk, None), (None, personas.gp.pk)}
    assert FollowUpEnrolment.objects.get().next_blood_test_on == D(2027, 11, 23)


def test_i_need_an_appointment_creates_a_red_task_and_the_answer_time_is_recorded(personas, login, english):
    with time_machine.travel(NOW, tick=False):
        enrol(personas)
        me = User.objects.create(username="kari", patient=personas.patient)
        client = login(me)
        assert "data-appointment-button" in client.get("/my/").content.decode()
        submission = str(uuid.uuid4())
        for _ in range(2):
            response = client.post("/my/appointment/", {"reason": "Hovne fingre siden fredag", "submission_id": submission})
        assert "data-appointment-requested" in response.content.decode()
    task = Task.objects.get()
    assert (task.kind, task.source, task.due_on) == ("offer_appointment", "patient_request", D(2026, 12, 23))
    with time_machine.travel(dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC), tick=False):
        response = login(personas.clinic_nurse).post(f"/tasks/{task.pk}/", {"answer": "Ringte, time satt opp"})
        assert response.status_code == 400 and "Give the date of the appointment offered." in response.content.decode()
        login(personas.clinic_nurse).post(f"/tasks/{task.pk}/", {"answer": "Ringte, time satt opp",
                                                                 "appointment_on": "2026-12-10"})
    task.refresh_from_db()
    assert (task.status, task.appointment_on, task.answered_in_time) == ("done", D(2026, 12, 10), True)
    with time_machine.travel(dt.datetime(2026, 12, 2, 9, tzinfo=dt.UTC), tick=False):
        page = login(personas.clinic_nurse).get("/worklist/").content.decode()
    assert 'data-answered-share="100"' in page


def test_answered_late_counts_against_the_share(personas):
    with time_machine.travel(NOW, tick=False):
        enrol(personas)
        me = User.objects.create(username="kari", patient=personas.patient)
        task = actions.request_appointment(patient=personas.patient, reason="Vondt", actor=me, now=NOW,
                                           submission_id=uuid.uuid4())
    answer_task(task=task, answer="Time gitt", appointment_on=D(2027, 1, 30), actor=personas.clinic_nurse,
                now=dt.datetime(2027, 1, 5, 9, tzinfo=dt.UTC))
    task.refresh_from_db()
    assert task.answered_in_time is False


def test_the_training_diary(personas, login):
    with time_machine.travel(NOW, tick=False):
        programme = add_measure(patient=personas.patient, title="Styrketrening hjemme, 3 ganger i uka",
                                organisation=personas.physio_service, person=personas.physiotherapist,
                                is_training_programme=True, actor=personas.physiotherapist, now=NOW,
                                submission_id=uuid.uuid4())
        me = User.objects.create(username="kari", patient=personas.patient)
        response = login(me).post("/my/training/", {
            "measure": str(programme.pk), "submission_id": str(uuid.uuid4()), "done_on": "2026-11-22",
            "what": "Knebøy og strikk", "how_it_felt": "Tungt, men greit", "pain_before": "5", "pain_after": "4"})
        assert response.status_code == 302
        session = programme.sessions.get()
        page = login(personas.physiotherapist).get(f"/patients/{personas.patient.pk}/checkins/").content.decode()
        assert "Knebøy og strikk" in page
        login(personas.physiotherapist).post(f"/training/{session.pk}/reply/", {"reply": "Fint! Øk til 3 sett."})
        assert login(personas.gp).post(f"/training/{session.pk}/reply/", {"reply": "x"}).status_code == 403
        assert "Fint! Øk til 3 sett." in login(me).get("/my/training/").content.decode()
        assert Message.objects.filter(kind="training_reply", recipient_patient=personas.patient).exists()


def test_the_patient_writes_to_a_contact_person_who_answers(personas, login):
    with time_machine.travel(NOW, tick=False):
        me = User.objects.create(username="kari", patient=personas.patient)
        response = login(me).post("/messages/write/", {"submission_id": str(uuid.uuid4()),
                                                       "contact_person": str(personas.clinic_nurse.pk),
                                                       "text": "Kan jeg flytte timen?"})
        assert response.status_code == 302
        message = Message.objects.get(kind="patient_message")
        assert message.recipient_user == personas.clinic_nurse and message.sender == me
        assert login(me).post("/messages/write/", {"submission_id": str(uuid.uuid4()),
                                                   "contact_person": str(personas.outsider.pk),
                                                   "text": "Hei"}).status_code == 400
        login(personas.clinic_nurse).post(f"/messages/{message.pk}/", {"submission_id": str(uuid.uuid4()),
                                                                       "text": "Ja, ring oss."})
        answer = Message.objects.get(kind="contact_answer")
        assert answer.recipient_patient == personas.patient
        assert "Ja, ring oss." in login(me).get(f"/messages/{answer.pk}/").content.decode()
