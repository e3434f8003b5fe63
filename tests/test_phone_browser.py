"""On a phone (390 px wide), in a real browser (issue 17 points 4 and 5): the staff pages a GP, a
physiotherapist, NAV and the clinic open never scroll sideways; the patient's check-boxes are big
enough for stiff fingers; a refused check-in takes the keyboard to what to correct."""

import io
import os

import pytest
from django.core.management import call_command

from tests.test_browser import CHROMIUM

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium must be installed in CI (.ci/run installs it)")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic"])
        yield browser
        browser.close()


@pytest.fixture
def world(settings):
    settings.DEBUG = True
    call_command("demo", "--patients", "60", "--seed", "1", stdout=io.StringIO())
    from samforlop.patients.models import Patient

    # Long names, as real ones can be: they must wrap, not push the page wider.
    patient = Patient.objects.filter(pathways__clinic__name__icontains="smerte").distinct().first()
    patient.family_name = "Kristiansen-Haugland Myklebust-Øvrebotten"
    patient.save(update_fields=["family_name"])
    return patient


def phone(browser, live_server, username):
    """A phone-sized browser context logged in as the demo user `username` (its session cookie)."""
    from django.conf import settings
    from django.test import Client

    from samforlop.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    context = browser.new_context(locale="nb-NO", viewport={"width": 390, "height": 844})
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                          "url": live_server.url}])
    return context


def overflowing(page, url):
    page.goto(url)
    page.wait_for_load_state("load")
    assert page.locator("h1").count() >= 1, url
    return page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")


# The elements that reach past the right edge, innermost first: what to fix when a page overflows.
CULPRITS = """() => [...document.querySelectorAll('main *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
               && ![...e.children].some(c => c.getBoundingClientRect().right > window.innerWidth + 1))
  .filter(e => !e.closest('table') || getComputedStyle(e.closest('table')).overflowX === 'visible')
  .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '') + ' ' + Math.round(e.getBoundingClientRect().right))"""


def assert_no_page_overflows(page, base, urls):
    wide = {}
    for url in urls:
        scroll, inner = overflowing(page, base + url)
        if scroll > inner:
            wide[url] = (scroll, inner, page.evaluate(CULPRITS))
    assert not wide, f"these pages scroll sideways at 390 px (scrollWidth, innerWidth, what reaches past the edge): {wide}"


def test_the_clinics_pages_never_scroll_sideways_on_a_phone(browser, live_server, world):
    from samforlop.careplan.models import Plan
    from samforlop.referrals.models import Referral

    plan = Plan.objects.filter(patient__pathways__clinic__name__icontains="smerte", goals__isnull=False).first()
    referral = Referral.objects.exclude(status="draft").filter(clinic__name__icontains="smerte").first()
    context = phone(browser, live_server, "koordinator.smerte")
    page = context.new_page()
    urls = [f"/patients/{world.pk}/", "/worklist/", "/referrals/", f"/referrals/{referral.pk}/", "/measures/",
            "/messages/", "/offers/mine/", "/patients/"]
    if plan is not None:
        urls += [f"/patients/{plan.patient_id}/plan/", f"/patients/{plan.patient_id}/plan/print/"]
    assert_no_page_overflows(page, live_server.url, urls)
    context.close()


def test_the_leaders_report_never_scrolls_sideways_on_a_phone(browser, live_server, world):
    context = phone(browser, live_server, "leder.smerte")
    page = context.new_page()
    page.goto(live_server.url + "/reports/")
    page.locator("main form.filters button[type=submit]").first.click()
    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    context.close()


def test_the_municipalitys_gp_and_navs_pages_never_scroll_sideways_on_a_phone(browser, live_server, world):
    from samforlop.outreach.models import ArenaMeeting, CollaborationArena

    context = phone(browser, live_server, "koordinator.bergen")
    page = context.new_page()
    urls = ["/outreach/", "/outreach/arenas/", "/worklist/", "/measures/", "/messages/"]
    arena = CollaborationArena.objects.first()
    if arena is not None:
        urls.append(f"/outreach/arenas/{arena.pk}/")
        meeting = ArenaMeeting.objects.filter(arena=arena).first()
        if meeting is not None:
            urls.append(f"/outreach/arena-meetings/{meeting.pk}/")
    assert_no_page_overflows(page, live_server.url, urls)
    context.close()
    for username in ("fastlege.sentrum", "fysio.bergen", "nav.veileder"):
        context = phone(browser, live_server, username)
        page = context.new_page()
        assert_no_page_overflows(page, live_server.url, ["/worklist/", "/patients/", "/measures/", "/messages/",
                                                         "/referrals/", "/offers/mine/"])
        context.close()


def test_the_patients_check_boxes_are_big_enough_and_a_refused_check_in_focuses_the_summary(browser, live_server, world):
    context = phone(browser, live_server, "pasient1")
    page = context.new_page()
    assert_no_page_overflows(page, live_server.url, ["/my/", "/my/plan/", "/my/checkins/", "/my/costs/",
                                                     "/my/sharing/", "/my/privacy/", "/my/offers/", "/my/work/"])
    for url in ("/my/costs/", "/my/sharing/"):
        page.goto(live_server.url + url)
        boxes = page.locator("main input[type=checkbox], main input[type=radio]")
        assert boxes.count() > 0, url
        for i in range(boxes.count()):
            box = boxes.nth(i).bounding_box()
            assert box["width"] >= 24 and box["height"] >= 24, (url, box)
        # The label is part of the target: tapping it ticks the box.
        first = boxes.first
        label = page.locator(f"label[for='{first.get_attribute('id')}']")
        before = first.is_checked()
        label.click()
        assert first.is_checked() != before, url
    page.goto(live_server.url + "/my/checkins/pain_intensity/")
    page.get_by_role("button", name="Send").click()
    page.wait_for_load_state("load")
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    assert page.locator("[data-error-summary] h2").count() == 1
    context.close()
