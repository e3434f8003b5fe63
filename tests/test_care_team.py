"""Care teams: who serves the patient, with one contact person per organisation and one coordinator."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from samforlop.audit.models import AuditEntry
from samforlop.patients.actions import add_care_team_member, end_care_team_membership
from samforlop.patients.models import CareTeamMember

D = dt.date
NOW = dt.datetime(2026, 11, 23, 10, tzinfo=dt.UTC)


def add(personas, **kw):
    defaults = dict(patient=personas.patient, organisation=personas.clinic, role=CareTeamMember.Role.SPECIALIST_CLINIC,
                    valid_from=D(2026, 1, 1), now=NOW)
    return add_care_team_member(**{**defaults, **kw})


def test_second_contact_person_in_the_same_organisation_is_refused(personas, english):
    before = CareTeamMember.objects.count()
    with pytest.raises(ValidationError) as e:
        add(personas, person=personas.clinic_physician, is_contact_person=True)
    assert "already has a contact person" in str(e.value.message_dict["is_contact_person"])
    assert CareTeamMember.objects.count() == before


def test_contact_person_after_the_previous_one_ended_is_accepted(personas):
    current = CareTeamMember.objects.get(patient=personas.patient, organisation=personas.clinic)
    end_care_team_membership(member=current, valid_to=D(2026, 6, 30), actor=None, now=NOW)
    add(personas, person=personas.clinic_physician, is_contact_person=True, valid_from=D(2026, 7, 1))
    assert AuditEntry.objects.filter(action="care_team_membership_ended").count() == 1


def test_one_coordinator_per_patient(personas, english):
    with pytest.raises(ValidationError) as e:
        add(personas, organisation=personas.gp_office, role=CareTeamMember.Role.GP, person=personas.gp,
            is_coordinator=True)
    assert "already has a coordinator" in str(e.value.message_dict["is_coordinator"])


def test_contact_person_must_work_in_the_organisation(personas, english):
    with pytest.raises(ValidationError) as e:
        add(personas, organisation=personas.nav_office, role=CareTeamMember.Role.NAV, person=personas.gp)
    assert "does not work in this organisation" in str(e.value.message_dict["person"])


def test_period_must_be_ordered(personas, english):
    with pytest.raises(ValidationError) as e:
        add(personas, organisation=personas.nav_office, role=CareTeamMember.Role.NAV,
            valid_from=D(2026, 5, 1), valid_to=D(2026, 4, 1))
    assert "before the start date" in str(e.value.message_dict["valid_to"])


def test_every_addition_is_audited(personas):
    add(personas, organisation=personas.nav_office, role=CareTeamMember.Role.NAV, person=personas.nav_officer,
        is_contact_person=True)
    entry = AuditEntry.objects.filter(action="care_team_member_added").latest("pk")
    assert entry.data["organisation"] == str(personas.nav_office.pk)
    assert personas.patient.national_id not in str(entry.data)
