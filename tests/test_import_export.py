"""import_events / export_events / pathway_state: the JSON Lines format, all or nothing."""

import datetime as dt
import io
import json

import pytest
import time_machine
from django.core.management import CommandError, call_command

from samforlop.accounts.models import Organisation
from samforlop.audit.models import AccessLog, AuditEntry
from samforlop.pathways.models import Pathway, PathwayEvent
from samforlop.patients.models import Patient
from tests.conftest import register, start, wipe_patient_data


@pytest.fixture(autouse=True)
def pinned(english):
    with time_machine.travel(dt.datetime(2026, 11, 23, 10, tzinfo=dt.UTC)):
        yield


def line(personas, id, event, date, pathway="P1", **extra):
    record = {"id": id, "pathway": pathway, "type": "smerte", "patient": personas.patient.national_id,
              "clinic": personas.clinic.org_number, "event": event, "date": date, **extra}
    return json.dumps(record)


def write(tmp_path, lines):
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def run_import(path, *args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_events", path, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def pathway_state(*args):
    out = io.StringIO()
    call_command("pathway_state", "--json", *args, stdout=out)
    return json.loads(out.getvalue())


def test_import_builds_the_pathway_and_its_state(personas, tmp_path):
    path = write(tmp_path, [
        line(personas, "e1", "pathway_start", "2026-06-01"),
        line(personas, "e2", "assessment_start", "2026-07-01"),
        line(personas, "e3", "assessment_start", "2026-07-03", voids="e2", reason="Wrong date"),
    ])
    out, _ = run_import(path)
    assert "Imported 3 event(s)" in out
    [state] = pathway_state("--as-of", "2026-09-01")
    assert state["id"] == "P1" and state["status"] == "active"
    assert state["next_milestone"] == "summarizing_meeting"
    assert state["deadline"] == "2026-09-25" and state["days_left"] == 24
    assert {l["key"]: (l["state"], l["elapsed_days"]) for l in state["time_limits"]} == {
        "referral_to_assessment": ("met", 32),
        "assessment_time": ("running", 60),
        "summarizing_to_followup": ("not_started", None),
    }


def test_import_with_one_bad_line_stores_nothing_and_names_that_line(personas, tmp_path):
    path = write(tmp_path, [
        line(personas, "e1", "pathway_start", "2026-06-01"),
        line(personas, "e2", "assessment_start", "2026-07-01"),
        line(personas, "e3", "summarizing_meeting", "2026-13-01"),
        line(personas, "e4", "summarizing_meeting", "2026-08-01"),
    ])
    with pytest.raises(CommandError, match="Nothing imported: 1 line"):
        run_import(path)
    assert not Pathway.objects.exists() and not PathwayEvent.objects.exists()


def test_import_lists_every_error_by_line_number(personas, tmp_path, capsys):
    path = write(tmp_path, [
        line(personas, "e1", "pathway_start", "2026-06-01"),
        line(personas, "e2", "lunch", "2026-07-01"),
        "{not json",
        line(personas, "e4", "summarizing_meeting", "2026-08-01"),
        line(personas, "e5", "pathway_end", "2026-08-01"),
        json.dumps({"id": "e6", "pathway": "P2", "type": "smerte", "patient": "12345678901",
                    "clinic": personas.clinic.org_number, "event": "pathway_start", "date": "2026-06-01"}),
        line(personas, "e7", "pathway_start", "2026-06-01", pathway="P3", clinic="999999999"),
    ])
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_events", path, stdout=io.StringIO(), stderr=err)
    lines = err.getvalue().splitlines()
    assert [entry.split(":")[0] for entry in lines] == ["line 2", "line 3", "line 4", "line 5", "line 6", "line 7"]
    assert "“lunch” is not a milestone" in lines[0]
    assert "not valid JSON" in lines[1]
    assert "cannot be registered before Interdisciplinary assessment started" in lines[2]
    assert "needs an outcome" in lines[3]
    assert "check digits" in lines[4]
    assert "no organisation with number" in lines[5]
    assert "12345678901" not in err.getvalue()  # identity numbers never go to logs or output
    assert not PathwayEvent.objects.exists()


def test_unknown_patient_is_refused_unless_create_missing(personas, tmp_path):
    from samforlop.demo.synthetic import synthetic_identity_number
    import random

    number = synthetic_identity_number(random.Random(99))
    record = {"id": "n1", "pathway": "NEW", "type": "smerte", "patient": number, "clinic": "123456785",
              "event": "pathway_start", "date": "2026-10-01"}
    path = write(tmp_path, [json.dumps(record)])
    with pytest.raises(CommandError):
        run_import(path)
    assert not Patient.objects.filter(national_id=number).exists()
    run_import(path, "--create-missing")
    created = Pathway.objects.get(external_id="NEW")
    assert created.patient.national_id == number
    assert created.clinic.org_number == "123456785" and created.clinic.kind == "pain_clinic"


def test_reimporting_the_same_file_changes_nothing(personas, tmp_path):
    path = write(tmp_path, [line(personas, "e1", "pathway_start", "2026-06-01")])
    run_import(path)
    out, _ = run_import(path)
    assert "Imported 0 event(s); 1 already present" in out
    assert PathwayEvent.objects.count() == 1


def test_same_id_with_other_content_is_refused(personas, tmp_path):
    run_import(write(tmp_path, [line(personas, "e1", "pathway_start", "2026-06-01")]))
    with pytest.raises(CommandError):
        run_import(write(tmp_path, [line(personas, "e1", "pathway_start", "2026-06-02")]))


def test_export_then_import_into_an_empty_database_reproduces_the_state(personas, tmp_path):
    first = start(personas, dt.date(2026, 3, 2))
    assessment = register(personas, first, "assessment_start", dt.date(2026, 4, 1))
    from samforlop.pathways import actions
    actions.correct_event(pathway=first, voids=assessment, reason="Feil dato", key="assessment_start",
                          date=dt.date(2026, 4, 3), actor=None, now=dt.datetime.now(dt.UTC))
    register(personas, first, "summarizing_meeting", dt.date(2026, 6, 1))
    register(personas, first, "pathway_end", dt.date(2026, 11, 1), outcome="followup_meeting_held")
    second = start(personas, dt.date(2026, 10, 1), patient=personas.patient)
    end = register(personas, second, "pathway_end", dt.date(2026, 10, 2), outcome="not_included")
    actions.correct_event(pathway=second, voids=end, reason="Tatt inn likevel", actor=None,
                          now=dt.datetime.now(dt.UTC))

    before = pathway_state("--as-of", "2026-11-23")
    exported = tmp_path / "export.jsonl"
    call_command("export_events", "--output", str(exported))
    assert AuditEntry.objects.filter(action="events_exported").exists()
    assert len(exported.read_text().splitlines()) == 8

    wipe_patient_data(keep_organisations=False)
    assert not Organisation.objects.exists()

    run_import(str(exported), "--create-missing")
    after = pathway_state("--as-of", "2026-11-23")
    for rows in (before, after):
        for row in rows:
            row.pop("patient_id")
        rows.sort(key=lambda row: row["id"])
    assert after == before
    assert not AccessLog.objects.exists()


def test_pathway_state_filters_by_clinic_and_checks_its_arguments(personas):
    start(personas, dt.date(2026, 11, 1))
    assert len(pathway_state("--clinic", personas.clinic.org_number)) == 1
    assert pathway_state("--clinic", personas.other_clinic.org_number) == []
    with pytest.raises(CommandError, match="--as-of"):
        pathway_state("--as-of", "23.11.2026")
