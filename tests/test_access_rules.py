"""The access guard agrees with a small reference implementation of the rules (issue 7).

Hypothesis generates care teams, consents, blocks, emergency access and dates; for every user,
patient, day and category the guard (`visibility_condition`, one SQL condition) must decide as
the rules below, written plainly in Python, decide.
"""

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from samforlop.accounts.models import Organisation, User
from samforlop.patients.models import (
    HEALTH_PERSONNEL_ONLY, OVERVIEW, Block, CareTeamMember, Category, EmergencyAccess, Patient, SharingConsent,
    visibility_condition,
)
from tests.conftest import make_org, make_user, new_patient

BASE = dt.date(2026, 3, 1)
CATEGORIES = [OVERVIEW, HEALTH_PERSONNEL_ONLY, *Category.values]


def reference_may_see(user, patient, day, now, category, world) -> bool:
    """The access rules in plain words (README, "Who sees what"), one by one."""
    if not user.is_active:
        return False
    if user.patient_id is not None:  # a patient sees their own data only
        return user.patient_id == patient.pk
    organisation = user.organisation
    for block in world["blocks"]:  # a block overrides everything
        if block.patient_id == patient.pk and block.lifted_at is None and (
                block.person_id == user.pk or (organisation and block.organisation_id == organisation.pk)):
            return False

    def in_period(row):
        return row.valid_from <= day and (row.valid_to is None or day <= row.valid_to)

    consented = category != HEALTH_PERSONNEL_ONLY and any(
        c.patient_id == patient.pk and c.withdrawn_at is None and in_period(c)
        and (category == OVERVIEW or c.category == category)
        and (c.person_id == user.pk if organisation is None else c.organisation_id == organisation.pk)
        for c in world["consents"])
    if organisation is None:  # a relative: consent only
        return consented
    on_team = any(m.patient_id == patient.pk and m.organisation_id == organisation.pk and in_period(m)
                  for m in world["members"])
    if organisation.kind in ("nav_office", "user_organisation"):  # not health personnel: on the team and consent
        return on_team and consented
    emergency = any(e.patient_id == patient.pk and e.user_id == user.pk and e.expires_at > now
                    for e in world["emergency"])
    return on_team or emergency


day_offset = st.integers(0, 60)
period = st.tuples(day_offset, st.one_of(st.none(), st.integers(0, 40)))


def world_strategy(n_users, n_patients, n_orgs):
    member = st.tuples(st.integers(0, n_patients - 1), st.integers(0, n_orgs - 1), period)
    consent = st.tuples(st.integers(0, n_patients - 1), st.booleans(), st.integers(0, n_users - 1),
                        st.integers(0, n_orgs - 1), st.sampled_from(Category.values), period, st.booleans())
    block = st.tuples(st.integers(0, n_patients - 1), st.booleans(), st.integers(0, n_users - 1),
                      st.integers(0, n_orgs - 1), st.booleans())
    emergency = st.tuples(st.integers(0, n_patients - 1), st.integers(0, n_users - 1), st.integers(-300, 300))
    return st.fixed_dictionaries({
        "members": st.lists(member, max_size=8), "consents": st.lists(consent, max_size=8),
        "blocks": st.lists(block, max_size=3), "emergency": st.lists(emergency, max_size=3),
        "inactive": st.sets(st.integers(0, n_users - 1), max_size=1),
        "day": day_offset, "minute": st.integers(0, 600),
    })


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(data=st.data())
def test_the_access_guard_agrees_with_the_reference_rules(personas, data):
    with transaction.atomic():  # (rolled back after each example, as everything below)
        user_org = make_org(Organisation.Kind.USER_ORGANISATION, "Likepersoner Testbyen", 91_000_900)
        orgs = [personas.clinic, personas.gp_office, personas.nav_office, personas.other_clinic, user_org]
        users = [personas.clinic_physician, personas.gp, personas.nav_officer, personas.outsider,
                 make_user("peer", user_org, User.Role.PHYSICIAN)]  # a physician there is still not on duty here
        users.append(User.objects.create(username="relative", first_name="Ola", person_identifier="x" * 64))
        patients = [personas.patient, new_patient(given="Per", family="Annen")]
        users.append(User.objects.create(username="kari", patient=patients[0]))
        CareTeamMember.objects.all().delete()  # the world below is the whole truth
        spec = data.draw(world_strategy(len(users), len(patients), len(orgs)))
        moment = dt.datetime.combine(BASE, dt.time(6), tzinfo=dt.UTC) + dt.timedelta(days=spec["day"],
                                                                                     minutes=spec["minute"])
        day = moment.date()

        def dates(p):
            start = BASE + dt.timedelta(days=p[0])
            return start, None if p[1] is None else start + dt.timedelta(days=p[1])

        world = {"members": [], "consents": [], "blocks": [], "emergency": []}
        for p, o, per in spec["members"]:
            start, end = dates(per)
            world["members"].append(CareTeamMember.objects.create(
                patient=patients[p], organisation=orgs[o], role="gp", valid_from=start, valid_to=end))
        for p, to_person, u, o, category, per, withdrawn in spec["consents"]:
            start, end = dates(per)
            world["consents"].append(SharingConsent.objects.create(
                patient=patients[p], person=users[u] if to_person else None, organisation=None if to_person else orgs[o],
                category=category, valid_from=start, valid_to=end, given_at=moment, recorded_by=users[-1],
                withdrawn_at=moment if withdrawn else None))
        for p, person, u, o, lifted in spec["blocks"]:
            world["blocks"].append(Block.objects.create(
                patient=patients[p], person=users[u] if person else None, organisation=None if person else orgs[o],
                created_at=moment, created_by=users[-1], lifted_at=moment if lifted else None))
        for p, u, minutes in spec["emergency"]:
            world["emergency"].append(EmergencyAccess.objects.create(
                patient=patients[p], user=users[u], organisation=users[u].organisation or orgs[0], reason="property",
                granted_at=moment, expires_at=moment + dt.timedelta(minutes=minutes)))
        for i in spec["inactive"]:
            users[i].is_active = False
        for user in users:
            for category in CATEGORIES:
                condition = visibility_condition(user, day, now=moment, category=category)
                seen = set() if condition is None else set(Patient.objects.filter(condition).values_list("pk", flat=True))
                for patient in patients:
                    expected = reference_may_see(user, patient, day, moment, category, world)
                    assert (patient.pk in seen) == expected, (user.username, patient.given_name, category, day, spec)
        for i in spec["inactive"]:
            users[i].is_active = True
        transaction.set_rollback(True)


@pytest.mark.parametrize("category", [None, "", "everything", "plan"])
def test_the_guard_refuses_a_call_that_names_no_sharing_category(personas, category):
    """A view that forgets to say what it reads cannot open patient data by default."""
    with pytest.raises((ValueError, TypeError)):
        visibility_condition(personas.nav_officer, BASE, category=category)
    with pytest.raises((ValueError, TypeError)):
        Patient.objects.visible_to(personas.clinic_physician, BASE, category)
    with pytest.raises(TypeError):
        visibility_condition(personas.clinic_physician, BASE)  # noqa: the argument is required
