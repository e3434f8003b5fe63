"""In a real browser: log in as a demo role, read the worklist, open a patient, use the keyboard."""

import datetime as dt
import io
import os
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

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
    call_command("demo", "--patients", "60", "--seed", "1", stdout=io.StringIO())


def test_demo_login_worklist_and_patient_page(live_server, page, demo_world):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", name="Logg inn i Samforløp")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "login.png"), full_page=True)

    page.get_by_role("button", name="Kari Nordmann – Koordinator").click()
    expect(page.get_by_role("heading", name="Arbeidsliste")).to_be_visible()
    rows = page.locator("table.worklist tbody tr")
    expect(rows.first).to_be_visible()
    assert rows.count() > 5
    assert page.locator(".badge-breached").count() > 0
    page.screenshot(path=str(SCREENSHOTS / "worklist.png"), full_page=True)

    rows.first.get_by_role("link").click()
    expect(page.get_by_role("heading", name="Forløpstider")).to_be_visible()
    expect(page.get_by_role("heading", name="Behandlingsteam")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "patient.png"), full_page=True)


def test_keyboard_reaches_the_skip_link_and_the_main_menu(live_server, page, demo_world):
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_role("button", name="Ingrid Solberg – Lege").click()
    page.get_by_role("heading", name="Arbeidsliste").wait_for()
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Hopp til hovedinnholdet"
    page.keyboard.press("Enter")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'main'")


UNLABELED = """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
    .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
    .map(el => el.name)
    .concat([...document.querySelectorAll('[id]')].map(el => el.id)
        .filter((id, i, ids) => ids.indexOf(id) !== i).map(id => 'duplicate id: ' + id))"""


def test_every_form_field_has_a_label(live_server, page, demo_world):
    from samforlop.patients.models import Patient
    from samforlop.referrals.models import Referral

    page.goto(live_server.url + "/accounts/login/")
    page.get_by_role("button", name="Kari Nordmann – Koordinator").click()
    page.locator("table.worklist tbody tr").first.get_by_role("link").click()
    page.get_by_role("heading", name="Forløpstider").first.wait_for()
    assert page.evaluate(UNLABELED) == []
    page.goto(live_server.url + f"/referrals/{Referral.objects.filter(status='submitted').first().pk}/")
    assert page.evaluate(UNLABELED) == []
    page.context.clear_cookies()
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_role("button", name="Anne Lie").first.click()
    page.get_by_role("heading", name="Arbeidsliste").wait_for()
    patient = Patient.objects.filter(pathways__isnull=True, gp__username="fastlege.sentrum").first()
    page.goto(live_server.url + f"/referrals/new/{patient.pk}/")
    assert page.evaluate(UNLABELED) == []
    page.goto(live_server.url + f"/referrals/consultations/new/{patient.pk}/")
    assert page.evaluate(UNLABELED) == []
    for url in (f"/patients/{patient.pk}/plan/", f"/patients/{patient.pk}/offers/", "/offers/?municipality=4601",
                "/offers/mine/", "/offers/mine/new/", "/measures/", "/messages/"):
        page.goto(live_server.url + url)
        assert page.evaluate(UNLABELED) == [], url
    from samforlop.accounts.models import User
    from samforlop.pathways.models import Pathway

    page.context.clear_cookies()
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_role("button", name="Kari Nordmann").first.click()
    page.get_by_role("heading", name="Arbeidsliste").wait_for()
    pathway = Pathway.objects.filter(status="active", type="smerte", clinic__kind="pain_clinic").first()
    for url in (f"/pathways/{pathway.pk}/assessment/", f"/pathways/{pathway.pk}/meetings/summarizing/new/",
                f"/patients/{pathway.patient_id}/checkins/", "/reports/?date_from=2026-01-01&date_to=2026-11-30&granularity=month&scope=clinic&type=smerte",
                f"/patients/{pathway.patient_id}/work/", f"/patients/{pathway.patient_id}/costs/", "/outreach/"):
        page.goto(live_server.url + url)
        assert page.evaluate(UNLABELED) == [], url
    patient_user = User.objects.get(username="pasient4")
    page.context.clear_cookies()
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_role("button", name=f"{patient_user.first_name} {patient_user.last_name}").first.click()
    page.get_by_role("heading", level=1).first.wait_for()
    for url in ("/my/", "/my/checkins/functional_scale/", "/my/checkins/pors_status/", "/my/appointment/",
                "/my/plan/", "/my/relatives/", "/my/training/", "/my/offers/", "/messages/write/", "/my/sharing/",
                "/my/privacy/", "/my/work/", "/my/costs/", "/my/arena/", "/my/checkins/work_ability/"):
        page.goto(live_server.url + url)
        assert page.evaluate(UNLABELED) == [], url


def test_a_relative_follows_what_is_shared_until_the_patient_withdraws_it(live_server, page, demo_world, browser):
    from samforlop.accounts.models import User

    page.goto(live_server.url + "/accounts/login/")
    page.get_by_role("button", name="Ola Pårørende").click()
    page.get_by_role("heading", name="Delt med meg").wait_for()
    patient_user = User.objects.get(username="pasient4")
    page.get_by_role("link", name=f"{patient_user.first_name} {patient_user.last_name}").click()
    page.get_by_role("heading", name="Egenrapporteringer").wait_for()
    assert page.get_by_role("heading", name="Plan og møter").is_visible()
    assert page.evaluate(UNLABELED) == []
    relative_url = page.url

    patient = browser.new_context(locale="nb-NO", viewport={"width": 390, "height": 844}).new_page()
    patient.goto(live_server.url + "/accounts/login/")
    patient.get_by_role("button", name=f"{patient_user.first_name} {patient_user.last_name}").first.click()
    patient.get_by_role("link", name="Det jeg deler").click()
    patient.get_by_role("heading", name="Det jeg deler").wait_for()
    # (The demo patient shares work with NAV too: only the relative's consents are withdrawn here.)
    shared_with_relative = patient.locator("tr", has_text="Ola Pårørende").get_by_role("button", name="Trekk tilbake")
    for _ in range(2):
        shared_with_relative.first.click()
        patient.get_by_role("heading", name="Det jeg deler").wait_for()
    assert shared_with_relative.count() == 0
    patient.context.close()

    response = page.goto(relative_url)
    assert response.status == 404, page.content()[:3000]


def test_referral_to_inclusion_end_to_end(live_server, page, demo_world):
    """Phase 1 in the browser: the GP refers, the clinic includes, everyone is told, the patient
    reads their letter with the clinic's real times and their contact person."""
    from samforlop.accounts.models import User
    from samforlop.core import clock
    from samforlop.core.workdays import add_working_days
    from samforlop.patients.models import Patient

    patient = Patient.objects.filter(pathways__isnull=True, gp__username="fastlege.sentrum", user__isnull=False).first()
    patient_user = User.objects.get(patient=patient)
    today = clock.today()
    base = live_server.url

    def log_in_as(name):
        page.context.clear_cookies()
        page.goto(base + "/accounts/login/")
        page.get_by_role("button", name=name).first.click()

    # The GP writes a referral; sending an incomplete one names what is missing and keeps the draft.
    log_in_as("Anne Lie")
    page.goto(base + "/patients/")
    page.click(f"main a[href='/patients/{patient.pk}/']")
    page.click(f"a[href='/referrals/new/{patient.pk}/']")
    page.select_option("#id_clinic", label="Smerteklinikken, Vestlandet universitetssykehus")
    page.fill("#id_pain_duration_months", "14")
    page.fill("#id_pain_location", "Nakke og skuldre")
    page.click("button[name=action][value=submit]")
    summary = page.locator(".error-summary li")
    expect(summary.first).to_be_visible()
    assert summary.count() >= 5
    assert page.input_value("#id_pain_location") == "Nakke og skuldre"

    page.check("#id_function_reduced_0")
    page.fill("#id_function_impact", "Orker ikke husarbeid")
    page.fill("#id_work_impact", "Sykmeldt 40 %")
    page.check("#id_quality_of_life_reduced_0")
    page.fill("#id_quality_of_life_impact", "Trekker seg fra venner")
    page.fill("#id_factors_physical", "Lite aktivitet")
    page.fill("#id_factors_psychological", "Bekymring for framtida")
    page.fill("#id_traumatic_experiences", "Ulykke i 2019")
    page.select_option("#id_treatments-0-kind", "physiotherapy")
    page.fill("#id_treatments-0-period", "Våren 2026, 12 timer")
    page.select_option("#id_treatments-0-effect", "some")
    page.fill("#id_patient_goals", "Jobbe fullt igjen")
    page.fill("#id_patient_expectations", "Få en plan")
    page.check("#id_nav_participation_0")
    page.click("button[name=action][value=submit]")
    expect(page.locator("[data-status=submitted]")).to_be_visible()

    # The clinic's inbox shows it with the 10-working-day deadline; the clinician includes.
    log_in_as("Kari Nordmann")
    page.goto(base + "/referrals/")
    deadline = add_working_days(today, 10)
    row = page.locator("table.inbox tr", has_text=patient.full_name)
    expect(row.locator(f"time[datetime='{deadline.isoformat()}']")).to_have_count(1)
    row.get_by_role("link").click()
    page.check("#id_decision_0")
    page.select_option("#id_contact_person", label="Mona Berg")
    page.click("form[action$='/decision/'] button[type=submit]")
    expect(page.locator("[data-status=included]")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "referral-included.png"), full_page=True)

    # The worklist shows the new pathway with its first deadline (12 weeks from receipt).
    page.goto(base + "/worklist/")
    first_deadline = (today + dt.timedelta(days=84)).isoformat()
    expect(page.locator("table.worklist tr", has_text=patient.full_name).locator(
        f"time[datetime='{first_deadline}']")).to_have_count(1)

    # The GP and the municipality's coordinating unit have a message.
    for name in ("Anne Lie", "Geir Hansen"):
        log_in_as(name)
        page.goto(base + "/messages/")
        page.locator("table tbody tr th a").first.click()
        expect(page.locator("main .message-body")).to_contain_text(patient.full_name)

    # The patient reads the letter: the clinic's median and 80th percentile, and the contact person.
    log_in_as(patient_user.get_full_name())
    page.goto(base + "/my/")
    page.locator("section[aria-labelledby=letters-heading] a").first.click()
    expect(page.locator("[data-figure=median]")).to_be_visible()
    expect(page.locator("[data-figure=p80]")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Mona Berg")
    page.screenshot(path=str(SCREENSHOTS / "letter.png"), full_page=True)


def test_assessment_meetings_plan_and_end_of_the_pathway(live_server, page, demo_world):
    """Phases 2–3 in the browser: assessment start, the summarizing meeting with everyone, decisions
    becoming measures for the physiotherapist and NAV, the follow-up meeting and the end."""
    from samforlop.core import clock
    from samforlop.pathways.models import Pathway
    from samforlop.patients.models import CareTeamMember

    today = clock.today()
    candidates = Pathway.objects.filter(type="smerte", status="active", next_milestone="assessment_start",
                                        next_deadline__gt=today)
    pathway = next(p for p in candidates if {"nav", "physiotherapist", "gp"} <= set(
        CareTeamMember.objects.filter(patient=p.patient).values_list("role", flat=True)))
    patient = pathway.patient
    base = live_server.url

    def log_in_as(name):
        page.context.clear_cookies()
        page.goto(base + "/accounts/login/")
        page.get_by_role("button", name=name).first.click()
        page.get_by_role("heading", level=1).first.wait_for()

    def hold_meeting_with_everyone(decisions=""):
        for box in page.locator("input[name=attended]").all():
            box.check()
        page.fill("textarea[name=minutes]", "Gjennomgang av utredningen og målene.")
        if decisions:
            page.fill("textarea[name=decisions]", decisions)
        page.click("form[action$='/held/'] button[type=submit]")
        expect(page.locator("[data-status=held]")).to_be_visible()

    log_in_as("Kari Nordmann")
    page.goto(f"{base}/pathways/{pathway.pk}/assessment/")
    page.fill("input[name=date]", today.isoformat())
    page.locator("main form:has(input[name=action][value=start]) button[type=submit]").click()
    expect(page.locator("[data-assessment=started]")).to_be_visible()

    # The summarizing meeting: patient, GP, physiotherapist, NAV and a team member.
    page.goto(f"{base}/pathways/{pathway.pk}/meetings/summarizing/new/")
    for role in ("gp", "physiotherapist", "nav"):
        expect(page.locator(f"[data-invitee={role}]")).to_have_count(1)
    page.fill("input[name=starts_at]", f"{today.isoformat()}T08:00")
    page.fill("input[name=place]", "Smerteklinikken, møterom 3")
    page.click("main form button[type=submit]")
    expect(page.locator("table.participants tr[data-role]")).to_have_count(5)
    hold_meeting_with_everyone("Fysioterapi i gruppe to ganger i uka\nArbeidsavklaring og tilrettelegging med NAV")

    # Each decision becomes a measure: one for the physiotherapist, one for NAV.
    for index, (organisation, person) in enumerate([
        ("Fysioterapitjenesten i Bergen kommune", "Ola Bakken (Fysioterapitjenesten i Bergen kommune)"),
        ("NAV Bergen sentrum", "Siri Pedersen (NAV Bergen sentrum)"),
    ]):
        item = page.locator("ol.decisions > li").nth(index)
        item.locator("summary").click()
        item.locator("select[name=organisation]").select_option(label=organisation)
        item.locator("select[name=person]").select_option(label=person)
        item.locator("input[name=due_on]").fill((today + dt.timedelta(days=30)).isoformat())
        item.locator("button[type=submit]").click()
        expect(page.locator("ol.decisions > li").nth(index).locator("[data-measure=made]")).to_be_visible()

    # The follow-up meeting ends the pathway with "follow-up meeting held".
    page.goto(f"{base}/pathways/{pathway.pk}/meetings/follow_up/new/")
    page.fill("input[name=starts_at]", f"{today.isoformat()}T12:00")
    page.fill("input[name=place]", "Smerteklinikken, møterom 3")
    page.click("main form button[type=submit]")
    hold_meeting_with_everyone()

    page.goto(f"{base}/patients/{patient.pk}/")
    section = page.locator(f"section[aria-labelledby='pathway-{pathway.pk}']")
    for limit in ("referral_to_assessment", "assessment_time", "summarizing_to_followup"):
        expect(section.locator(f"[data-limit={limit}]")).to_have_attribute("data-state", "met")
    expect(section.locator("ol.timeline li.done")).to_have_count(4)  # start, assessment, summarizing, end
    page.screenshot(path=str(SCREENSHOTS / "pathway-ended.png"), full_page=True)

    # The physiotherapist and the NAV officer each see their measure.
    for name, measure in (("Ola Bakken", "Fysioterapi i gruppe"), ("Siri Pedersen", "Arbeidsavklaring")):
        log_in_as(name)
        page.goto(base + "/measures/")
        expect(page.locator("table[data-group=mine]")).to_contain_text(measure)
        expect(page.locator("table[data-group=mine]")).to_contain_text(patient.full_name)


def test_check_in_scoring_red_and_i_need_an_appointment_on_a_phone(live_server, page, demo_world):
    """The demo patient answers a check-in that scores red and is told what happens next; the
    clinic's worklist shows the appointment task due in 30 days. A second patient, in
    patient-controlled follow-up, presses "I need an appointment" and the task appears."""
    from samforlop.accounts.models import User
    from samforlop.core import clock

    base = live_server.url
    due = (clock.today() + dt.timedelta(days=30)).isoformat()
    patient = User.objects.get(username="pasient4").patient
    follow_up_patient = User.objects.get(username="pasient5").patient

    def log_in_as(name):
        page.context.clear_cookies()
        page.goto(base + "/accounts/login/")
        page.get_by_role("button", name=name).first.click()
        page.get_by_role("heading", level=1).first.wait_for()

    log_in_as(f"{patient.given_name} {patient.family_name} – pasient")
    page.get_by_role("link", name="Smerte").first.click()
    page.locator("label.scale-option", has=page.locator("input[name=pain_now][value='9']")).click()
    page.locator("label.scale-option", has=page.locator("input[name=pain_average_week][value='10']")).click()
    page.locator("main form button[type=submit]").click()
    expect(page.locator("[data-colour=red]")).to_be_visible()
    expect(page.locator("[data-colour=red] h2")).to_be_visible()  # what happens next, in words
    page.screenshot(path=str(SCREENSHOTS / "checkin-red.png"), full_page=True)

    log_in_as("Kari Nordmann")
    row = page.locator("table.tasks tr", has_text=patient.full_name)
    expect(row.locator(f"time[datetime='{due}']")).to_have_count(1)
    expect(row).to_have_attribute("data-task", "offer_appointment")

    log_in_as(f"{follow_up_patient.given_name} {follow_up_patient.family_name} – pasient")
    page.locator("[data-appointment-button]").click()
    page.fill("textarea[name=reason]", "Hovne fingre og verre morgenstivhet den siste uka")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("[data-appointment-requested]")).to_be_visible()

    log_in_as("Eli Moen")
    expect(page.locator("table.tasks tr", has_text=follow_up_patient.full_name)).to_have_count(1)
    page.screenshot(path=str(SCREENSHOTS / "clinic-tasks.png"), full_page=True)


def test_offers_found_without_log_in_recommended_and_taken_up(live_server, page, demo_world):
    """A visitor filters the municipality's offers to "no referral, free"; the physiotherapist
    recommends the warm-water group to the patient; the patient has started; the uptake shows it."""
    from samforlop.accounts.models import User
    from samforlop.offers.models import Offer

    base = live_server.url
    pool = Offer.objects.get(kind="warm_water_pool")
    patient = User.objects.get(username="pasient4").patient

    page.goto(base + "/offers/")
    page.fill("input[name=municipality]", "4601")
    page.check("input[name=no_referral]")
    page.check("input[name=free]")
    page.locator("main form button[type=submit]").click()
    results = page.locator("ul.offers")
    expect(results).to_contain_text(pool.title)
    expect(results).not_to_contain_text("Tilpasset trening i gruppe")  # another municipality, and not free
    expect(results).not_to_contain_text("Smerteskolen")  # needs a referral

    def log_in_as(name):
        page.context.clear_cookies()
        page.goto(base + "/accounts/login/")
        page.get_by_role("button", name=name).first.click()
        page.get_by_role("heading", level=1).first.wait_for()

    log_in_as("Ola Bakken")
    page.goto(f"{base}/patients/{patient.pk}/offers/")
    suggestion = page.locator(f"ol.matches li[data-offer='{pool.pk}']")
    suggestion.locator("input[name=note]").fill("Varmt vann gjør treningen lettere.")
    suggestion.locator("button[type=submit]").click()
    expect(page.locator("[data-recommendation=recommended]")).to_contain_text(pool.title)

    log_in_as(f"{patient.given_name} {patient.family_name} – pasient")
    page.goto(base + "/my/offers/")
    card = page.locator("section[data-recommendation]").first
    card.locator("input[name=status][value=started]").check()
    card.locator("button[type=submit]").click()
    expect(page.locator("section[data-recommendation] [data-status=started]")).to_be_visible()

    log_in_as("Ola Bakken")
    page.goto(f"{base}/offers/{pool.pk}/")
    expect(page.locator("[data-count=started]")).to_have_text("1")


def test_the_clinic_leader_opens_the_report(live_server, page, demo_world):
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_role("button", name="Berit Holm").first.click()
    page.get_by_role("heading", level=1).first.wait_for()
    page.click("header a[href='/reports/']")
    page.locator("main form.filters button[type=submit]").first.click()
    section = page.locator("section[data-limit=referral_to_assessment]")
    expect(section.locator("svg rect.bar").first).to_be_visible()
    expect(section.locator("table.report-table tbody tr").first).to_be_visible()
    expect(page.locator("[data-what-if]")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "report.png"), full_page=True)
