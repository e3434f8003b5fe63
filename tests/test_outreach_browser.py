"""In a real browser: the coordinating unit records an outreach from the list, and the patient
consents in the portal to being discussed in the collaboration arena."""

import datetime as dt
import uuid

import pytest
from django.conf import settings as django_settings
from django.test import Client
from playwright.sync_api import expect

from samforlop.accounts.models import User
from samforlop.outreach import actions
from samforlop.outreach.models import ArenaConsent, Outreach
from samforlop.patients.actions import add_care_team_member
from samforlop.patients.models import CareTeamMember
from tests.test_browser import browser, page  # noqa: F401 - the shared Chromium fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, user):
    client = Client()
    client.force_login(user)
    page.context.add_cookies([{"name": django_settings.SESSION_COOKIE_NAME,
                               "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
                               "url": live_server.url}])


def test_recording_an_outreach_takes_the_patient_off_the_list(live_server, page, personas):  # noqa: F811
    add_care_team_member(patient=personas.patient, organisation=personas.coordinating_unit,
                         role=CareTeamMember.Role.MUNICIPAL_SERVICE, valid_from=dt.date(2020, 1, 1),
                         now=dt.datetime.now(dt.UTC))
    log_in(page, live_server, personas.municipal_coordinator)
    page.goto(live_server.url + "/outreach/")
    row = page.locator(f'[data-patient="{personas.patient.pk}"]')
    expect(row.locator('[data-reason="no_contact"]')).to_be_visible()
    row.locator("summary").click()
    row.locator('select[name="method"]').select_option("phone")
    row.locator('select[name="result"]').select_option("reached_follow_up")
    row.locator('textarea[name="note"]').fill("Avtalte samtale neste uke")
    row.locator('button[type="submit"]').click()
    expect(page.locator("[data-total]")).to_have_attribute("data-total", "0")
    assert Outreach.objects.get().result == "reached_follow_up"


def test_the_patient_consents_to_the_arena_and_withdraws(live_server, page, personas):  # noqa: F811
    now = dt.datetime.now(dt.UTC)
    arena = actions.create_arena(organisation=personas.coordinating_unit, name="Samarbeidsarena", every_weeks=4,
                                 participants=[personas.gp_office], actor=personas.municipal_coordinator, now=now,
                                 submission_id=uuid.uuid4())
    log_in(page, live_server, User.objects.create(username="kari", patient=personas.patient))
    page.goto(live_server.url + "/my/arena/")
    card = page.locator(f'[data-arena="{arena.pk}"]')
    expect(card.locator("[data-consent]")).to_have_attribute("data-consent", "none")
    card.locator('button[value="consent"]').click()
    expect(card.locator("[data-consent]")).to_have_attribute("data-consent", "in_force")
    assert ArenaConsent.objects.get().how == "portal"
    card.locator('button[value="withdraw"]').click()
    expect(card.locator("[data-consent]")).to_have_attribute("data-consent", "none")
    assert ArenaConsent.objects.get().withdrawn_at is not None
