"""In a real browser, on a phone: the patient's cost page shows the year's co-payments against the
co-payment ceiling, and the patient registers one they have paid."""

import datetime as dt
import uuid

import pytest
from playwright.sync_api import expect

from tests.test_browser import SCREENSHOTS, UNLABELED, browser, demo_world, page  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_patients_cost_page_shows_the_years_co_payments_against_the_ceiling(
        live_server, page, demo_world):  # noqa: F811
    from samforlop.accounts.models import User
    from samforlop.careplan.actions import add_measure
    from samforlop.core import clock
    from samforlop.costs.actions import register_co_payment
    from samforlop.costs.rules import get_rules
    from samforlop.costs.summary import summary_for
    from samforlop.patients.models import CareTeamMember, active_on

    now = clock.now()
    today = clock.oslo_date(now)
    me = User.objects.select_related("patient").get(username="pasient4")
    patient = me.patient
    # Set up with the operations (the demo may add more of its own: the page is compared with the rule).
    member = CareTeamMember.objects.filter(active_on(today), patient=patient, person__isnull=False).select_related(
        "organisation", "person").first()
    add_measure(patient=patient, title="Fysioterapi, tolv behandlinger", organisation=member.organisation,
                person=member.person, start_on=dt.date(today.year, 12, 31), cost_nok=2400, counts_toward_ceiling=True,
                actor=member.person, now=now, submission_id=uuid.uuid4())
    for amount, what, counts in ((200, "Time hos fastlegen", True), (375, "Poliklinikk", True),
                                 (120, "Bompenger til sykehuset", False)):
        register_co_payment(patient=patient, paid_on=today, amount_nok=amount, what=what, counts_toward_ceiling=counts,
                            actor=me, now=now, submission_id=uuid.uuid4())
    before = summary_for(patient, today.year, today)

    page.goto(live_server.url + "/accounts/login/")
    page.get_by_role("button", name=f"{me.first_name} {me.last_name}").first.click()
    page.get_by_role("heading", level=1).first.wait_for()
    page.goto(live_server.url + "/my/costs/")
    summary = page.locator("[data-cost-summary]")
    expect(summary).to_have_attribute("data-year", str(today.year))
    expect(page.locator("[data-registered]")).to_have_attribute("data-registered", str(before.registered_nok))
    expect(page.locator("[data-planned]")).to_have_attribute("data-planned", str(before.planned_nok))
    meter = page.locator("meter")
    expect(meter).to_have_attribute("max", str(get_rules().ceiling_for(today.year)))
    expect(meter).to_have_attribute("value", str(before.registered_nok))
    expect(page.locator("[data-ceiling-state]")).to_have_attribute("data-ceiling-state", before.state)
    expect(page.locator("table.co-payments tbody tr")).to_have_count(len(before.items))
    expect(page.locator('tr[data-item="registered"]', has_text="Bompenger til sykehuset")).to_have_attribute("data-counts", "no")
    expect(page.locator('tr[data-item="planned"]', has_text="Fysioterapi, tolv behandlinger")).to_be_visible()
    assert page.evaluate(UNLABELED) == []
    # Phone first: nothing wider than the phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "costs.png"), full_page=True)

    # The patient registers a co-payment they have paid; the sum goes up by it.
    page.locator("#id_copayment_amount_nok").fill("250")
    page.locator("#id_copayment_what").fill("Time hos psykolog")
    page.locator("form:has(input[name=action][value=register]) button[type=submit]").click()
    expect(page.locator("[data-registered]")).to_have_attribute("data-registered", str(before.registered_nok + 250))
    expect(page.locator('tr[data-item="registered"]', has_text="Time hos psykolog")).to_be_visible()
