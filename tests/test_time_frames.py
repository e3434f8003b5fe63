"""Honest time frames: the clinic's real recent times, in the patient's letter and on its public page."""

import datetime as dt
import uuid

import pytest
import time_machine

from samforlop.pathways.timeframes import percentile_nearest_rank, recent_times
from samforlop.patients.actions import add_care_team_member
from samforlop.patients.models import CareTeamMember
from samforlop.portal.models import Letter
from samforlop.referrals.models import Referral
from tests.conftest import new_patient, register, start
from tests.test_referrals import form_data

D = dt.date
TODAY = D(2026, 11, 23)


@pytest.fixture(autouse=True)
def pinned():
    with time_machine.travel(dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC), tick=False):
        yield


def pathways_with_waits(personas, waits, *, assessed_days_ago=30):
    """Pathways at the clinic whose assessment started `assessed_days_ago` after waiting `waits` days."""
    for i, wait in enumerate(waits):
        assessed = TODAY - dt.timedelta(days=assessed_days_ago)
        pathway = start(personas, assessed - dt.timedelta(days=wait), patient=new_patient(family=f"W{i}"))
        register(personas, pathway, "assessment_start", assessed)


def test_median_and_80th_percentile_from_real_pathways(personas):
    waits = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]
    pathways_with_waits(personas, waits)
    times = recent_times(personas.clinic, "smerte", TODAY)
    assert times.count == 10 and times.enough_data
    assert times.median_days == 55
    assert times.p80_days == 80  # nearest rank: the 8th of 10


def test_under_10_pathways_is_not_enough_data(personas):
    pathways_with_waits(personas, [10] * 9)
    times = recent_times(personas.clinic, "smerte", TODAY)
    assert times.count == 9 and not times.enough_data and times.median_days is None


def test_only_the_last_12_months_and_only_this_clinic_count(personas):
    pathways_with_waits(personas, [10] * 10, assessed_days_ago=400)
    assert recent_times(personas.clinic, "smerte", TODAY).count == 0
    pathways_with_waits(personas, [10] * 3)
    assert recent_times(personas.clinic, "smerte", TODAY).count == 3
    assert recent_times(personas.other_clinic, "smerte", TODAY).count == 0


def test_a_voided_assessment_start_no_longer_counts(personas):
    from samforlop.pathways import actions

    pathway = start(personas, D(2026, 9, 1), patient=new_patient(family="Void"))
    event = register(personas, pathway, "assessment_start", D(2026, 10, 1))
    assert recent_times(personas.clinic, "smerte", TODAY).count == 1
    actions.correct_event(pathway=pathway, voids=event, reason="Feil", actor=None, now=dt.datetime.now(dt.UTC))
    assert recent_times(personas.clinic, "smerte", TODAY).count == 0


def test_percentile_nearest_rank():
    assert percentile_nearest_rank([5], 80) == 5
    assert percentile_nearest_rank([1, 2, 3, 4, 5], 80) == 4
    assert percentile_nearest_rank(list(range(1, 101)), 80) == 80


def included_patient(personas, login):
    patient = new_patient(gp=personas.gp, family="Brev")
    add_care_team_member(patient=patient, organisation=personas.gp_office, role=CareTeamMember.Role.GP,
                         valid_from=D(2025, 1, 1), now=dt.datetime.now(dt.UTC))
    login(personas.gp).post(f"/referrals/new/{patient.pk}/", form_data(personas))
    referral = Referral.objects.get(patient=patient)
    login(personas.clinic_physician).post(f"/referrals/{referral.pk}/decision/", {
        "decision": "include", "contact_person": str(personas.clinic_nurse.pk)})
    return patient, Letter.objects.get(referral=referral)


def test_the_letter_states_limits_real_times_and_contact_person(personas, login, english):
    pathways_with_waits(personas, [10, 20, 30, 40, 50, 60, 70, 80, 90, 100])
    patient, letter = included_patient(personas, login)
    html = login(personas.clinic_nurse).get(f"/my/letters/{letter.pk}/").content.decode()
    assert "Mona Sykepleier" in html
    assert "Referral received to assessment start: 12 weeks" in html
    assert '<dd data-figure="median">7.9 weeks (55 days)</dd>' in html
    assert '<dd data-figure="p80">11.4 weeks (80 days)</dd>' in html
    assert "10 patient pathways" in html
    assert "at the latest by" in html


def test_the_letter_says_when_there_is_not_enough_data(personas, login):
    _, letter = included_patient(personas, login)
    assert 'data-figure="not-enough"' in login(personas.clinic_nurse).get(f"/my/letters/{letter.pk}/").content.decode()


def test_the_patient_reads_their_letter_and_no_one_elses(personas, login):
    from samforlop.accounts.models import User

    patient, letter = included_patient(personas, login)
    me = User.objects.create(username="me", patient=patient)
    other = User.objects.create(username="other", patient=personas.patient)
    assert login(me).get(f"/my/letters/{letter.pk}/").status_code == 200
    assert str(letter.pk) in login(me).get("/my/").content.decode()
    assert login(other).get(f"/my/letters/{letter.pk}/").status_code == 404
    assert login(personas.outsider).get(f"/my/letters/{uuid.uuid4()}/").status_code == 404
    # A patient is not staff: the worklist sends them to their own pages.
    assert login(me).get("/worklist/")["Location"] == "/my/"


def test_the_clinic_public_page_shows_the_same_figures_without_log_in(personas, client, english):
    pathways_with_waits(personas, [10, 20, 30, 40, 50, 60, 70, 80, 90, 100])
    html = client.get(f"/clinics/{personas.clinic.pk}/").content.decode()
    assert personas.clinic.name in html
    assert '<td data-figure="median">7.9 weeks (55 days)</td>' in html
    assert '<td data-figure="p80">11.4 weeks (80 days)</td>' in html
    assert "Kari W0" not in html  # no patient data
    assert client.get(f"/clinics/{personas.gp_office.pk}/").status_code == 404
