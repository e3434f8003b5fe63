"""`manage.py demo`: a deterministic world with synthetic numbers; one-click log-in only with DEBUG."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command

from samforlop.accounts.models import Organisation, User
from samforlop.pathways.models import Pathway
from samforlop.patients.models import Patient
from tests.conftest import wipe_patient_data


@pytest.fixture
def demo(db):
    with time_machine.travel(dt.datetime(2026, 11, 23, 10, tzinfo=dt.UTC)):
        call_command("demo", "--patients", "40", "--seed", "7", stdout=io.StringIO())


def test_demo_world_has_every_kind_of_actor(demo):
    assert set(Organisation.objects.values_list("kind", flat=True)) == set(Organisation.Kind.values)
    staff = User.objects.filter(is_demo=True, organisation__isnull=False)
    assert set(staff.values_list("role", flat=True)) == set(User.Role.values)
    assert User.objects.filter(is_demo=True, patient__isnull=False).exists()  # patients log in too


def test_demo_identity_numbers_are_synthetic(demo):
    numbers = list(Patient.objects.values_list("national_id", flat=True))
    assert len(numbers) == 40
    assert all(81 <= int(n[2:4]) <= 92 for n in numbers)


def test_demo_has_pathways_in_every_phase_and_some_breached(demo):
    today = dt.date(2026, 11, 23)
    pain = Pathway.objects.filter(type="smerte")
    assert set(pain.values_list("phase", flat=True)) >= {
        "referral_and_start", "mapping_and_assessment", "follow_up_and_treatment", ""}
    assert set(pain.values_list("outcome", flat=True)) >= {
        "", "followup_meeting_held", "other_reasons", "not_included"}
    assert pain.filter(status="active", next_deadline__lt=today).exists()
    assert pain.filter(status="active", next_deadline__gte=today,
                       next_deadline__lte=today + dt.timedelta(days=14)).exists()
    assert Pathway.objects.filter(type="revma").exists()


def test_demo_is_deterministic(db):
    def build():
        with time_machine.travel(dt.datetime(2026, 11, 23, 10, tzinfo=dt.UTC)):
            call_command("demo", "--patients", "15", "--seed", "3", stdout=io.StringIO())
        return (
            sorted(Patient.objects.values_list("national_id", "given_name", "family_name")),
            sorted(Pathway.objects.values_list("patient__national_id", "type", "started_on", "next_deadline",
                                               "status", "outcome")),
        )

    first = build()
    wipe_patient_data()
    assert build() == first
    assert len(first[0]) == 15


def test_demo_login_is_offered_with_debug_on(demo, client, settings):
    settings.DEBUG = True
    page = client.get("/accounts/login/").content.decode()
    assert "lege.smerte" in page and "nav.veileder" in page
    response = client.post("/accounts/demo-login/", {"username": "lege.smerte"})
    assert response.status_code == 302
    assert client.get("/worklist/").status_code == 200


def test_demo_login_is_gone_with_debug_off(demo, client, settings):
    settings.DEBUG = False
    assert "lege.smerte" not in client.get("/accounts/login/").content.decode()
    assert client.post("/accounts/demo-login/", {"username": "lege.smerte"}).status_code == 404
    assert client.get("/worklist/").status_code == 302  # still logged out


def test_demo_login_only_for_demo_users(demo, client, settings, personas):
    settings.DEBUG = True
    assert client.post("/accounts/demo-login/", {"username": "physician"}).status_code == 404
