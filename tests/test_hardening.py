"""Hardening (issue 7, point 7) and "every read writes exactly one access-log row" (point 5)."""

import datetime as dt
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine

from samforlop.audit.models import AccessLog
from samforlop.patients.actions import add_care_team_member
from samforlop.patients.models import CareTeamMember

from .conftest import start

ROOT = Path(__file__).resolve().parent.parent
NOW = dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC)


def production_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAMFORLOP_") and k not in ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL")}
    env.update(DEBUG="0", SECRET_KEY="a-production-secret-key-of-fifty-or-more-characters-xyz-0123456789",
               ALLOWED_HOSTS="samforlop.example.no", SAMFORLOP_VAR_DIR=extra.pop("var_dir"), **extra)
    return env


def test_check_deploy_passes_with_production_settings_from_the_environment(tmp_path):
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=production_env(var_dir=str(tmp_path)), capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_uses_hsts_and_secure_cookies_and_refuses_to_start_without_a_secret_key(tmp_path):
    show = ("from django.conf import settings as s; "
            "print(s.DEBUG, s.SECURE_HSTS_SECONDS > 0, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.ALLOWED_HOSTS)")
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c", show], cwd=ROOT,
                            env=production_env(var_dir=str(tmp_path)), capture_output=True, text=True)
    assert result.stdout.strip().splitlines()[-1].split() == ["False", "True", "True", "True", "['samforlop.example.no']"], result.stderr
    env = production_env(var_dir=str(tmp_path))
    del env["SECRET_KEY"]
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


@pytest.fixture
def pinned():
    with time_machine.travel(NOW, tick=False):
        yield


def test_every_read_of_a_patients_data_writes_exactly_one_access_log_row(personas, login, pinned):
    pathway = start(personas, dt.date(2026, 11, 1), now=NOW)
    patient = personas.patient
    client = login(personas.clinic_physician)
    for url in (f"/patients/{patient.pk}/", f"/patients/{patient.pk}/plan/", f"/patients/{patient.pk}/plan/print/",
                f"/patients/{patient.pk}/checkins/", f"/pathways/{pathway.pk}/assessment/",
                f"/patients/{patient.pk}/offers/"):
        before = AccessLog.objects.count()
        assert client.get(url).status_code == 200, url
        rows = list(AccessLog.objects.order_by("pk")[before:])
        assert [(r.patient_id, r.outcome) for r in rows] == [(patient.pk, "granted")], url


def test_a_refused_read_writes_exactly_one_denied_row(personas, login, pinned):
    before = AccessLog.objects.count()
    assert login(personas.outsider).get(f"/patients/{personas.patient.pk}/").status_code == 404
    rows = list(AccessLog.objects.order_by("pk")[before:])
    assert [(r.patient_id, r.outcome, r.user_id) for r in rows] == [(personas.patient.pk, "denied", personas.outsider.pk)]


def test_identity_numbers_stay_out_of_urls_and_logs(personas, login, pinned, caplog):
    number = personas.patient.national_id
    client = login(personas.outsider)
    with caplog.at_level(logging.DEBUG):
        client.post("/patients/search/", {"national_id": number})
        client.post("/patients/emergency-access/", {"national_id": number, "reason": "kort"})
        client.get(f"/patients/{personas.patient.pk}/")
    assert number not in caplog.text
    from django.urls import get_resolver

    patterns = [str(p.pattern) for p in get_resolver().url_patterns]
    assert not any("national_id" in p or "fnr" in p for p in patterns)


def test_a_plan_form_cannot_change_patient_or_author(personas, login, pinned):
    """Mass assignment: fields the form does not offer are ignored, whatever is posted."""
    import uuid

    from samforlop.careplan.models import Goal
    from tests.conftest import new_patient

    other = new_patient(given="Per", family="Annen", now=NOW)
    add_care_team_member(patient=other, organisation=personas.clinic, role=CareTeamMember.Role.SPECIALIST_CLINIC,
                         valid_from=dt.date(2026, 1, 1), now=NOW)
    response = login(personas.clinic_nurse).post(f"/patients/{personas.patient.pk}/plan/goal/", {
        "text": "Gå tur hver dag", "submission_id": str(uuid.uuid4()), "patient": str(other.pk),
        "plan": "999", "author": str(personas.gp.pk), "organisation": str(personas.other_clinic.pk)})
    assert response.status_code == 302
    goal = Goal.objects.get()
    assert goal.plan.patient_id == personas.patient.pk
