"""Shared personas and helpers: the people every test talks about.

- clinic_physician: physician at the pain clinic running the pathway (on the care team)
- gp: the patient's GP (GP office on the care team)
- physiotherapist: the treating physiotherapist in the municipality (on the care team)
- nav_officer: NAV officer (NAV is *not* on this patient's care team unless a test adds it)
- outsider: physician at another pain clinic, who must see nothing
- patient: the patient, with a synthetic identity number
"""

from __future__ import annotations

import datetime as dt
import os
import random
import re
from dataclasses import dataclass

import pytest

os.environ.setdefault("SAMFORLOP_TESTING", "1")
# Playwright's sync API runs an event loop in the test thread; Django's ORM is still used
# synchronously there, which is safe in tests.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from django.test import client as django_test_client  # noqa: E402

from samforlop.accounts.models import Organisation, User  # noqa: E402
from samforlop.core import clock  # noqa: E402
from samforlop.demo.synthetic import organisation_number, synthetic_identity_number  # noqa: E402
from samforlop.pathways import actions  # noqa: E402
from samforlop.patients.actions import add_care_team_member, register_patient  # noqa: E402
from samforlop.patients.models import CareTeamMember  # noqa: E402

Kind = Organisation.Kind
Role = User.Role


# Every page the suite renders through the test client has a plain <title>: no markup and no token
# in tab titles and browser history (issue 17: the emergency-access form once sat in the title block).
_TITLE = re.compile(r"<title>(.*?)</title>", re.S | re.I)
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32,}")


def assert_plain_title(response) -> None:
    if getattr(response, "streaming", False) or "text/html" not in response.get("Content-Type", ""):
        return
    head = response.content.decode(errors="replace").split("</head>", 1)[0]
    found = _TITLE.search(head)
    if found:
        title = found.group(1)
        assert "<" not in title and "csrf" not in title.lower() and not _TOKEN.search(title), \
            f"{response.wsgi_request.path}: the page title holds markup or a token: {title[:200]!r}"


def _request_checking_the_title(self, **request):
    response = _client_request(self, **request)
    assert_plain_title(response)
    return response


_client_request = django_test_client.Client.request
django_test_client.Client.request = _request_checking_the_title


@dataclass
class Personas:
    clinic: Organisation
    gp_office: Organisation
    physio_service: Organisation
    nav_office: Organisation
    other_clinic: Organisation
    coordinating_unit: Organisation
    clinic_physician: User
    clinic_nurse: User
    gp: User
    physiotherapist: User
    nav_officer: User
    outsider: User
    municipal_coordinator: User
    patient: object


def make_org(kind, name, stem, municipality="4601"):
    return Organisation.objects.create(kind=kind, name=name, org_number=organisation_number(stem),
                                       municipality=municipality)


def make_user(username, organisation, role, first="Test", last="Person"):
    return User.objects.create(username=username, first_name=first, last_name=last,
                               organisation=organisation, role=role)


_rng = random.Random(2027)  # not 2026: that draws the personas patient


def new_patient(*, gp=None, given="Kari", family="Testesen", now=None, rng=None):
    return register_patient(given_name=given, family_name=family, national_id=synthetic_identity_number(rng or _rng),
                            municipality="4601", gp=gp, actor=None, now=now or clock.now())


@pytest.fixture
def personas(db) -> Personas:
    now = clock.now()
    long_ago = dt.date(2020, 1, 1)
    clinic = make_org(Kind.PAIN_CLINIC, "Smerteklinikken Test", 91_000_000)
    gp_office = make_org(Kind.GP_OFFICE, "Testbyen legesenter", 91_000_100)
    physio = make_org(Kind.MUNICIPAL_SERVICE, "Fysioterapitjenesten Testbyen", 91_000_200)
    nav = make_org(Kind.NAV_OFFICE, "NAV Testbyen", 91_000_300)
    other = make_org(Kind.PAIN_CLINIC, "Smerteklinikken Annensted", 91_000_400, municipality="0301")
    unit = make_org(Kind.MUNICIPAL_SERVICE, "Koordinerende enhet Testbyen", 91_000_600)
    unit.service, unit.email = Organisation.Service.COORDINATING_UNIT, "koordinerende@testbyen.example"
    unit.save()
    physio.service, physio.description = Organisation.Service.PHYSIOTHERAPY, "Trening i varmtvannsbasseng"
    physio.save()
    people = dict(
        clinic_physician=make_user("physician", clinic, Role.PHYSICIAN, "Ingrid", "Lege"),
        clinic_nurse=make_user("nurse", clinic, Role.NURSE, "Mona", "Sykepleier"),
        gp=make_user("gp", gp_office, Role.PHYSICIAN, "Anne", "Fastlege"),
        physiotherapist=make_user("physio", physio, Role.PHYSIOTHERAPIST, "Ola", "Fysio"),
        nav_officer=make_user("nav", nav, Role.NAV_OFFICER, "Siri", "Veileder"),
        outsider=make_user("outsider", other, Role.PHYSICIAN, "Ulf", "Utenfor"),
        municipal_coordinator=make_user("municipal", unit, Role.COORDINATOR, "Geir", "Koordinator"),
    )
    people["gp"].email = "gp@testbyen.example"
    people["gp"].save(update_fields=["email"])
    # Always the same person (age matters to some rules), whatever other tests have drawn before.
    patient = new_patient(gp=people["gp"], now=now, rng=random.Random(2026))
    add_care_team_member(patient=patient, organisation=clinic, role=CareTeamMember.Role.SPECIALIST_CLINIC,
                         person=people["clinic_nurse"], is_contact_person=True, is_coordinator=True,
                         valid_from=long_ago, now=now)
    add_care_team_member(patient=patient, organisation=gp_office, role=CareTeamMember.Role.GP,
                         person=people["gp"], is_contact_person=True, valid_from=long_ago, now=now)
    add_care_team_member(patient=patient, organisation=physio, role=CareTeamMember.Role.PHYSIOTHERAPIST,
                         person=people["physiotherapist"], is_contact_person=True, valid_from=long_ago, now=now)
    patient.email = "kari@testbyen.example"
    patient.save(update_fields=["email"])
    return Personas(clinic=clinic, gp_office=gp_office, physio_service=physio, nav_office=nav, other_clinic=other,
                    coordinating_unit=unit, patient=patient, **people)


def start(personas, date, *, patient=None, now=None):
    """Start a pain pathway at the personas' clinic."""
    return actions.start_pathway(patient=patient or personas.patient, clinic=personas.clinic, type="smerte",
                                 date=date, actor=personas.clinic_physician, now=now or clock.now())


def register(personas, pathway, key, date, *, outcome="", now=None):
    return actions.register_milestone(pathway=pathway, key=key, date=date, outcome=outcome,
                                      actor=personas.clinic_physician, now=now or clock.now())


@pytest.fixture
def me(personas):
    """The patient's own log-in (the portal)."""
    return User.objects.create(username="kari", patient=personas.patient, first_name=personas.patient.given_name)


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user)
        return client
    return _login


@pytest.fixture
def english(client):
    """Messages in English, for tests that read them (the default language is Norwegian)."""
    from django.conf import settings
    from django.utils import translation

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def wipe_patient_data(keep_organisations=True):
    """Empty the database of patient data (raw SQL: the models refuse deletes of append-only rows)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_user SET patient_id = NULL")
        cursor.execute("UPDATE audit_chainhead SET hash = '', count = 0")
        for table in ("work_employerletterrelease", "work_employerletter", "work_workplaceagreement",
                      "work_returntoworkfollowup", "work_worksituation", "costs_copayment",
                      "outreach_arenadecision", "outreach_arenacase", "outreach_arenaconsent", "outreach_outreach",
                      "outreach_arenameeting", "outreach_collaborationarena_participants",
                      "outreach_collaborationarena", "offers_recommendation",
                      "checkins_trainingsession", "tasks_task", "checkins_checkin", "checkins_checkinschedule",
                      "checkins_followupenrolment", "careplan_planversion", "careplan_plancomment", "careplan_measure", "careplan_goal",
                      "careplan_plan", "meetings_participant", "meetings_decision", "meetings_meeting",
                      "assessments_assessmententry", "patients_relativeconsent", "patients_sharingconsent", "portal_letter", "messaging_message", "referrals_referraltreatment", "referrals_referral",
                      "referrals_consultation", "pathways_pathwaytime", "pathways_pathwayevent", "pathways_pathway",
                      "audit_accesslog", "audit_auditentry", "patients_careteammember", "patients_patient"):
            cursor.execute(f"DELETE FROM {table}")
        if not keep_organisations:
            cursor.execute("UPDATE accounts_user SET organisation_id = NULL")
            cursor.execute("DELETE FROM accounts_organisation")


@pytest.fixture
def base(live_server, settings):
    """The live server's address, for the FHIR API tests (its token URL is the assertions' audience)."""
    settings.SITE_URL = live_server.url
    return live_server.url
