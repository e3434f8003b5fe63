"""In a real browser: log in as a demo role, read the worklist, open a patient, use the keyboard."""

import io
import os
from pathlib import Path

import pytest
from django.core.management import call_command

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parent.parent / "var" / "screenshots"

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
                  "--disable-sync", "--no-first-run", "--disable-quic"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="nb-NO", viewport={"width": 390, "height": 844})  # a phone
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def demo_world(settings):
    settings.DEBUG = True
    call_command("demo", "--patients", "30", "--seed", "1", stdout=io.StringIO())


def test_demo_login_worklist_and_patient_page(live_server, page, demo_world):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(live_server.url + "/")
    assert page.get_by_role("heading", name="Logg inn i Samforløp").is_visible()
    page.screenshot(path=str(SCREENSHOTS / "login.png"), full_page=True)

    page.get_by_role("button", name="Kari Nordmann – Koordinator").click()
    assert page.get_by_role("heading", name="Arbeidsliste").is_visible()
    rows = page.locator("table.worklist tbody tr")
    assert rows.count() > 5
    assert page.locator(".badge-breached").count() > 0
    page.screenshot(path=str(SCREENSHOTS / "worklist.png"), full_page=True)

    rows.first.get_by_role("link").click()
    assert page.get_by_role("heading", name="Forløpstider").is_visible()
    assert page.get_by_role("heading", name="Behandlingsteam").is_visible()
    page.screenshot(path=str(SCREENSHOTS / "patient.png"), full_page=True)


def test_keyboard_reaches_the_skip_link_and_the_main_menu(live_server, page, demo_world):
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_role("button", name="Ingrid Solberg – Lege").click()
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Hopp til hovedinnholdet"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_every_form_field_has_a_label(live_server, page, demo_world):
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_role("button", name="Kari Nordmann – Koordinator").click()
    page.locator("table.worklist tbody tr").first.get_by_role("link").click()
    unlabeled = page.evaluate("""() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
        .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
        .map(el => el.name)""")
    assert unlabeled == []
