"""In a real browser (issue 10 acceptance): the NAV officer, as return-to-work coordinator, records
agreed workplace measures and a follow-up task; the patient approves the letter to the employer,
opens its print page, and reads the year's co-payments against the ceiling on the cost page."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from tests.test_browser import SCREENSHOTS, UNLABELED, browser, demo_world, page  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _work_demo():
    """The demo patient's work follow-up (samforlop.work.demo), unless the demo world made it already."""
    from samforlop.accounts.models import Organisation, User
    from samforlop.core import clock
    from samforlop.demo.synthetic import organisation_number
    from samforlop.demo.world import ORGANISATIONS, World
    from samforlop.work.demo import build_demo

    organisations = {key: Organisation.objects.get(org_number=organisation_number(97_100_000 + i * 37))
                     for i, (key, *_rest) in enumerate(ORGANISATIONS)}
    staff = {u.username: u for u in User.objects.filter(is_demo=True, organisation__isnull=False)}
    now = clock.now()
    build_demo(World(organisations=organisations, staff=staff, patients=[]), clock.oslo_date(now), now)
    return User.objects.get(username="pasient4").patient


def test_the_nav_coordinator_records_measures_and_a_task_the_patient_prints_the_letter_and_reads_the_costs(
        live_server, page, demo_world):  # noqa: F811
    from samforlop.core import clock
    from samforlop.costs.rules import get_rules
    from samforlop.costs.summary import summary_for
    from samforlop.tasks.models import Task
    from samforlop.work.models import EmployerLetter, WorkplaceAgreement

    patient = _work_demo()
    base = live_server.url
    today = clock.today()
    review_on = (today + dt.timedelta(days=60)).isoformat()
    due_on = (today + dt.timedelta(days=10)).isoformat()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def log_in_as(name):
        page.context.clear_cookies()
        page.goto(base + "/accounts/login/")
        page.get_by_role("button", name=name).first.click()
        page.get_by_role("heading", level=1).first.wait_for()

    # The NAV officer is the patient's return-to-work coordinator.
    log_in_as("Siri Pedersen – NAV-veileder")
    page.goto(f"{base}/patients/{patient.pk}/work/")
    expect(page.locator("dl[data-coordinator]")).to_contain_text("Siri Pedersen")
    assert page.evaluate(UNLABELED) == []

    # Agreed workplace measures, with the employer.
    form = page.locator("details[data-form=agreement]")
    form.locator("summary").click()
    form.locator("input[name=employer_name]").fill("Fjordbyen Maskin AS")
    form.locator("input[name=employer_contact]").fill("Verkstedleder Per Holm")
    for adjustment in ("flexible_hours", "varied_tasks", "less_heavy_lifting"):
        form.locator(f"input[name=adjustments][value={adjustment}]").check()
    form.locator("input[name=review_on]").fill(review_on)
    form.locator("button[type=submit]").click()
    agreement = WorkplaceAgreement.objects.get(employer_name="Fjordbyen Maskin AS")
    expect(page.locator(f"article[data-agreement='{agreement.pk}']")).to_contain_text("Fjordbyen Maskin AS")
    assert agreement.adjustments == ["flexible_hours", "varied_tasks", "less_heavy_lifting"]

    # A follow-up task for the coordinator, with a date.
    form = page.locator("details[data-form=task]")
    form.locator("summary").click()
    form.locator("select[name=kind]").select_option("follow_up_work")
    form.locator("textarea[name=reason]").fill("Møte på arbeidsplassen: går arbeidsdagene som avtalt?")
    form.locator("input[name=due_on]").fill(due_on)
    form.locator("button[type=submit]").click()
    row = page.locator("table.work-tasks tr", has_text="Møte på arbeidsplassen")
    expect(row.locator(f"time[datetime='{due_on}']")).to_have_count(1)
    expect(row).to_have_attribute("data-status", "open")
    task = Task.objects.get(reason__startswith="Møte på arbeidsplassen")
    assert (task.organisation.name, task.person.username) == ("NAV Bergen sentrum", "nav.veileder")
    page.screenshot(path=str(SCREENSHOTS / "work-nav.png"), full_page=True)
    page.goto(base + "/worklist/")
    expect(page.locator("table.tasks tr", has_text=patient.full_name).locator(
        f"time[datetime='{due_on}']")).to_have_count(1)

    # The patient reads the letter exactly as it will print, consents, and prints it.
    letter = EmployerLetter.objects.filter(patient=patient, status="draft").first()
    log_in_as(f"{patient.given_name} {patient.family_name} – pasient")
    page.goto(base + "/my/work/")
    assert page.evaluate(UNLABELED) == []
    page.locator(f"li[data-letter='{letter.pk}'] a").click()
    expect(page.locator("[data-letter-status=draft]")).to_be_visible()
    assert page.evaluate(UNLABELED) == []
    page.locator("[data-approve]").click()  # without the consent box: refused
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator("[data-letter-status=draft]")).to_be_visible()
    page.locator("input[name=consent]").check()
    page.locator("[data-approve]").click()
    expect(page.locator("[data-letter-status=approved]")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "work-letter-approved.png"), full_page=True)
    page.locator("[data-print-link]").click()
    expect(page.locator("[data-letter-body]")).to_contain_text("Siri Pedersen")
    expect(page.locator("[data-approved]")).to_be_visible()
    expect(page.locator("button[data-print]")).to_be_visible()
    assert page.locator("[data-diagnosis]").count() == 0
    page.screenshot(path=str(SCREENSHOTS / "work-letter-print.png"), full_page=True)
    letter.refresh_from_db()
    assert letter.status == "approved"

    # The cost page: the year's co-payments (the demo registered some) against the ceiling.
    costs = summary_for(patient, today.year, today)
    assert costs.registered_nok > 0
    page.goto(base + "/my/costs/")
    expect(page.locator("[data-cost-summary]")).to_have_attribute("data-year", str(today.year))
    expect(page.locator("[data-registered]")).to_have_attribute("data-registered", str(costs.registered_nok))
    expect(page.locator("meter")).to_have_attribute("max", str(get_rules().ceiling_for(today.year)))
    expect(page.locator("[data-ceiling-state]")).to_have_attribute("data-ceiling-state", costs.state)
    page.screenshot(path=str(SCREENSHOTS / "work-costs.png"), full_page=True)
