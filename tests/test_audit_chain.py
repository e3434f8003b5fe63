"""The access log is append-only and tamper-evident: `verify_audit` finds an edited or deleted row."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from samforlop.audit.models import AccessLog


def read_a_few(personas, login):
    for user in (personas.gp, personas.clinic_nurse, personas.outsider, personas.physiotherapist):
        login(user).get(f"/patients/{personas.patient.pk}/")


def test_an_intact_log_verifies(personas, login):
    read_a_few(personas, login)
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert "intact" in out.getvalue()


def test_an_edited_row_is_found_and_named(personas, login):
    read_a_few(personas, login)
    row = AccessLog.objects.order_by("pk")[1]
    with connection.cursor() as cursor:  # what a tamperer would do, around the model
        cursor.execute("UPDATE audit_accesslog SET what = 'nothing' WHERE id = %s", [row.pk])
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("verify_audit", stdout=io.StringIO(), stderr=err)
    assert f"row {row.pk}: its content was changed" in err.getvalue()


def test_a_deleted_row_is_found(personas, login):
    read_a_few(personas, login)
    rows = list(AccessLog.objects.order_by("pk"))
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_accesslog WHERE id = %s", [rows[1].pk])
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("verify_audit", stdout=io.StringIO(), stderr=err)
    assert f"row {rows[2].pk}: the row before it was deleted or changed" in err.getvalue()


def test_rows_cannot_be_changed_through_the_model(personas, login):
    read_a_few(personas, login)
    row = AccessLog.objects.first()
    row.what = "x"
    with pytest.raises(RuntimeError):
        row.save()
