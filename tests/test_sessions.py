"""Sessions: idle timeout, absolute lifetime, log-out and deactivation at once; no caching."""

import datetime as dt

import pytest
import time_machine

from samforlop.accounts.models import User
from samforlop.core import clock

START = dt.datetime(2026, 11, 23, 8, tzinfo=dt.UTC)


def test_a_session_ends_after_30_idle_minutes(personas, client):
    with time_machine.travel(START, tick=False):
        client.force_login(personas.gp)
        assert client.get("/worklist/").status_code == 200
    with time_machine.travel(START + dt.timedelta(minutes=29), tick=False):
        assert client.get("/worklist/").status_code == 200
    with time_machine.travel(START + dt.timedelta(minutes=60), tick=False):
        assert client.get("/worklist/").status_code == 302  # to the log-in page


def test_a_session_ends_10_hours_after_log_in_even_when_active(personas, client):
    with time_machine.travel(START, tick=False):
        client.force_login(personas.gp)
        client.get("/worklist/")
    for minutes in range(20, 600, 20):
        with time_machine.travel(START + dt.timedelta(minutes=minutes), tick=False):
            assert client.get("/worklist/").status_code == 200
    with time_machine.travel(START + dt.timedelta(hours=10, minutes=10), tick=False):
        assert client.get("/worklist/").status_code == 302


def test_deactivation_and_log_out_take_effect_on_the_next_request(personas, client):
    from samforlop.accounts.actions import set_active
    from samforlop.audit.models import AuditEntry
    from tests.conftest import make_user

    admin = make_user("gp-admin", personas.gp_office, "org_admin")
    client.force_login(personas.gp)
    assert client.get(f"/patients/{personas.patient.pk}/").status_code == 200
    set_active(user=personas.gp, active=False, actor=admin, now=clock.now())
    assert client.get(f"/patients/{personas.patient.pk}/").status_code == 302
    entry = AuditEntry.objects.get(action="user_deactivated")
    assert (entry.data["old"], entry.data["new"]) == ({"active": True}, {"active": False})
    set_active(user=personas.gp, active=True, actor=admin, now=clock.now())
    client.force_login(User.objects.get(pk=personas.gp.pk))
    client.post("/accounts/logout/")
    assert client.get(f"/patients/{personas.patient.pk}/").status_code == 302


def test_pages_with_patient_data_are_not_cached(personas, client):
    client.force_login(personas.gp)
    assert client.get(f"/patients/{personas.patient.pk}/")["Cache-Control"] == "no-store"


def test_log_in_is_rate_limited_after_5_failures(personas, client, english):
    personas.gp.set_password("a long enough password")
    personas.gp.save()
    for _ in range(5):
        response = client.post("/accounts/login/", {"username": "gp", "password": "wrong"})
        assert response.status_code == 200 and "Please enter a correct username" in response.content.decode()
    response = client.post("/accounts/login/", {"username": "gp", "password": "a long enough password"})
    assert "Too many failed attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=16), tick=False):
        response = client.post("/accounts/login/", {"username": "gp", "password": "a long enough password"})
        assert response.status_code == 302


def test_a_role_change_is_audited_with_old_and_new_and_only_by_the_organisations_admin(personas):
    from django.core.exceptions import ValidationError

    from samforlop.accounts.actions import change_role
    from samforlop.audit.models import AuditEntry
    from tests.conftest import make_user

    with pytest.raises(ValidationError):
        change_role(user=personas.gp, role="secretary", actor=personas.clinic_physician, now=clock.now())
    admin = make_user("gp-admin", personas.gp_office, "org_admin")
    change_role(user=personas.gp, role="secretary", actor=admin, now=clock.now())
    entry = AuditEntry.objects.get(action="role_changed")
    assert (entry.data["old"], entry.data["new"]) == ({"role": "physician"}, {"role": "secretary"})
