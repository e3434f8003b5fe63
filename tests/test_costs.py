"""Costs the patient can see: co-payments for the year against the co-payment ceiling (egenandelstak),
the ceiling date, the patient's cost page, the care team's flag on costly plans, and cost per measure."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from dataclasses import dataclass, field

import pytest
import time_machine

from samforlop.accounts.models import User
from samforlop.careplan import actions as plan_actions
from samforlop.costs import actions
from samforlop.costs.models import CoPayment
from samforlop.costs.rules import RulesError, get_rules, parse
from samforlop.costs.summary import EXPECTED, NO_CEILING, NOT_REACHED, REACHED, year_summary
from samforlop.messaging.models import Message
from samforlop.audit.models import AccessLog, AuditEntry
from tests.conftest import new_patient

D = dt.date
NOW = dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC)
TODAY = D(2026, 11, 23)
CEILING = 3278

# --- The rule, on hand-made cases (no database) --------------------------------------------------

_ids = itertools.count(1)


@dataclass
class Paid:
    paid_on: dt.date
    amount_nok: int
    what: str = "Time hos fastlegen"
    counts_toward_ceiling: bool = True
    voided_at: dt.datetime | None = None
    measure_id: object = None
    pk: int = field(default_factory=lambda: next(_ids))


@dataclass
class Planned:
    cost_nok: int
    start_on: dt.date | None = None
    due_on: dt.date | None = None
    counts_toward_ceiling: bool = True
    status: str = "planned"
    title: str = "Fysioterapi"
    pk: int = field(default_factory=lambda: next(_ids))


def summary(co_payments=(), measures=(), year=2026, ceiling=CEILING, today=TODAY):
    return year_summary(year=year, ceiling_nok=ceiling, co_payments=co_payments, measures=measures, today=today)


def test_nothing_paid_or_planned_leaves_the_whole_ceiling():
    s = summary()
    assert (s.registered_nok, s.planned_nok, s.total_nok, s.not_counting_nok) == (0, 0, 0, 0)
    assert (s.state, s.ceiling_on, s.left_nok, s.items) == (NOT_REACHED, None, CEILING, ())


def test_registered_below_the_ceiling_says_how_much_is_left():
    s = summary([Paid(D(2026, 2, 3), 1000), Paid(D(2026, 4, 1), 500)])
    assert (s.registered_nok, s.state, s.ceiling_on, s.left_nok) == (1500, NOT_REACHED, None, CEILING - 1500)


def test_registered_exactly_reaching_the_ceiling_gives_the_date_it_was_reached():
    s = summary([Paid(D(2026, 6, 1), 100), Paid(D(2026, 3, 1), 3000), Paid(D(2026, 5, 10), 278)])
    assert (s.state, s.ceiling_on, s.left_nok) == (REACHED, D(2026, 5, 10), None)
    assert [i.cumulative_nok for i in s.items] == [3000, 3278, 3378]  # in date order, whatever the input order
    # The exemption card pays beyond the ceiling: the last 100 kr are not out of pocket.
    assert [i.out_of_pocket_nok for i in s.items] == [3000, 278, 0]


def test_one_krone_short_is_not_reached():
    s = summary([Paid(D(2026, 3, 1), CEILING - 1)])
    assert (s.state, s.left_nok) == (NOT_REACHED, 1)


def test_planned_costs_that_push_it_over_give_the_expected_date():
    s = summary([Paid(D(2026, 3, 1), 3000)], [Planned(500, start_on=D(2026, 12, 1))])
    assert (s.registered_nok, s.planned_nok, s.total_nok) == (3000, 500, 3500)
    assert (s.state, s.ceiling_on) == (EXPECTED, D(2026, 12, 1))


def test_the_ceiling_date_is_where_the_running_sum_in_date_order_reaches_the_ceiling():
    s = summary([Paid(D(2026, 11, 1), 1000), Paid(D(2026, 10, 1), 1000)],
                [Planned(900, start_on=D(2026, 12, 20)), Planned(500, start_on=D(2026, 12, 1))])
    assert [(i.on, i.planned, i.cumulative_nok) for i in s.items] == [
        (D(2026, 10, 1), False, 1000), (D(2026, 11, 1), False, 2000), (D(2026, 12, 1), True, 2500),
        (D(2026, 12, 20), True, 3400)]
    assert (s.state, s.ceiling_on) == (EXPECTED, D(2026, 12, 20))


def test_a_planned_cost_whose_date_has_passed_is_expected_from_today():
    # Started in August and not paid yet: it can only be paid from today, so it is not expected in the past.
    started = Planned(1500, start_on=D(2026, 8, 1), status="in_progress")
    s = summary([Paid(D(2026, 10, 1), 2000)], [started])
    assert [(i.on, i.planned, i.planned_for, i.cumulative_nok) for i in s.items] == [
        (D(2026, 10, 1), False, None, 2000), (TODAY, True, D(2026, 8, 1), 3500)]
    assert (s.state, s.ceiling_on) == (EXPECTED, TODAY)
    # Looking back at a year that is over: placed on its last day at the latest.
    last_year = summary(measures=[Planned(500, start_on=D(2025, 6, 1))], year=2025)
    assert [i.on for i in last_year.items] == [D(2025, 12, 31)]


def test_a_planned_measure_uses_its_start_date_else_its_due_date():
    s = summary([Paid(D(2026, 1, 5), 3000)],
                [Planned(300, due_on=D(2026, 12, 20)), Planned(300, start_on=D(2026, 12, 1), due_on=D(2027, 3, 1))])
    assert [i.on for i in s.items if i.planned] == [D(2026, 12, 1), D(2026, 12, 20)]
    assert s.ceiling_on == D(2026, 12, 1)


def test_costs_that_do_not_count_are_kept_apart():
    s = summary([Paid(D(2026, 3, 1), 3000), Paid(D(2026, 4, 1), 500, what="Parkering", counts_toward_ceiling=False)],
                [Planned(900, start_on=D(2026, 12, 1), counts_toward_ceiling=False)])
    assert (s.registered_nok, s.planned_nok, s.state, s.left_nok) == (3000, 0, NOT_REACHED, 278)
    assert (s.not_counting_registered_nok, s.not_counting_planned_nok, s.not_counting_nok) == (500, 900, 1400)
    assert [i.what for i in s.not_counting_items] == ["Parkering", "Fysioterapi"]
    assert all(i.cumulative_nok is None for i in s.not_counting_items)


def test_voided_entries_are_left_out():
    s = summary([Paid(D(2026, 3, 1), 3000), Paid(D(2026, 4, 1), 300, voided_at=NOW)])
    assert (s.registered_nok, s.state, len(s.items)) == (3000, NOT_REACHED, 1)


def test_payments_count_in_the_calendar_year_they_were_paid():
    payments = [Paid(D(2025, 12, 31), 3000), Paid(D(2026, 1, 1), 278), Paid(D(2026, 12, 31), 100),
                Paid(D(2027, 1, 1), 1000)]
    assert summary(payments).registered_nok == 378
    previous = summary(payments, year=2025, ceiling=3278)
    assert (previous.registered_nok, previous.state) == (3000, NOT_REACHED)
    assert summary(payments, year=2027, ceiling=None).registered_nok == 1000


def test_a_planned_measure_in_another_year_is_not_planned_for_this_one():
    s = summary(measures=[Planned(500, start_on=D(2027, 1, 1)), Planned(500, due_on=D(2025, 12, 31))])
    assert s.items == () and s.planned_nok == 0


def test_a_partly_paid_measure_plans_only_the_rest():
    fysio = Planned(2400, start_on=D(2026, 10, 1))
    s = summary([Paid(D(2026, 10, 15), 800, measure_id=fysio.pk)], [fysio])
    assert (s.registered_nok, s.planned_nok, s.total_nok) == (800, 1600, 2400)
    planned = [i for i in s.items if i.planned]
    assert [(i.amount_nok, i.measure_id) for i in planned] == [(1600, fysio.pk)]


def test_a_measure_paid_in_full_or_more_plans_nothing_and_a_voided_payment_does_not_reduce_it():
    full, over, voided = Planned(800, start_on=D(2026, 9, 1)), Planned(500, start_on=D(2026, 9, 1)), Planned(
        700, start_on=D(2026, 9, 1))
    s = summary([Paid(D(2026, 9, 2), 800, measure_id=full.pk), Paid(D(2026, 9, 2), 600, measure_id=over.pk),
                 Paid(D(2026, 9, 2), 700, measure_id=voided.pk, voided_at=NOW)], [full, over, voided])
    assert s.planned_nok == 700
    assert [i.measure_id for i in s.items if i.planned] == [voided.pk]


def test_what_was_paid_last_year_for_a_measure_still_reduces_what_is_left_of_it():
    fysio = Planned(2000, start_on=D(2026, 2, 1))
    s = summary([Paid(D(2025, 12, 20), 500, measure_id=fysio.pk)], [fysio])
    assert (s.registered_nok, s.planned_nok) == (0, 1500)


def test_an_undated_planned_measure_is_expected_today():
    undated = Planned(400)
    s = summary([Paid(D(2026, 3, 1), 3000)], [undated])
    assert [(i.on, i.undated) for i in s.items if i.planned] == [(TODAY, True)]
    assert (s.state, s.ceiling_on) == (EXPECTED, TODAY)
    assert summary(measures=[undated], year=2027, ceiling=None).items == ()


def test_only_open_measures_are_planned():
    s = summary(measures=[Planned(500, start_on=D(2026, 12, 1), status=status)
                          for status in ("planned", "in_progress", "done", "stopped")])
    assert s.planned_nok == 1000


def test_a_year_with_no_ceiling_gives_the_sums_and_no_date():
    s = summary([Paid(D(2031, 3, 1), 5000)], [Planned(500, start_on=D(2031, 5, 1))], year=2031, ceiling=None,
                today=D(2031, 2, 1))
    assert (s.state, s.ceiling_on, s.left_nok, s.registered_nok, s.planned_nok) == (NO_CEILING, None, None, 5000, 500)
    assert get_rules().ceiling_for(2031) is None


def test_the_plan_cost_counts_the_plans_items_and_stops_counting_co_payments_at_the_ceiling():
    fysio, trening = Planned(2400, start_on=D(2026, 12, 1)), Planned(1200, start_on=D(2026, 12, 2),
                                                                      counts_toward_ceiling=False)
    s = summary([Paid(D(2026, 3, 1), 2000, what="Fastlege")], [fysio, trening])
    # Fastlege is not part of the plan; fysio is paid out of pocket only up to the ceiling (1278 kr).
    assert s.plan_cost_nok == 1278 + 1200


# --- The rules file ---------------------------------------------------------------------------------

def test_the_ceilings_are_data_per_year():
    rules = get_rules()
    assert (rules.ceiling_for(2024), rules.ceiling_for(2025), rules.ceiling_for(2026)) == (3165, 3278, 3278)
    assert rules.high_cost_nok > 0


@pytest.mark.parametrize("data, message", [
    ({"flag": {"high_cost_nok": 1500}}, "the table [ceilings] is missing"),
    ({"ceilings": {"2026": 3278}}, "the table [flag] is missing"),
    ({"ceilings": {"26": 3278}, "flag": {"high_cost_nok": 1500}}, "'26' is not a year"),
    ({"ceilings": {"2026": -1}, "flag": {"high_cost_nok": 1500}}, "[ceilings] 2026: must be a whole number"),
    ({"ceilings": {"2026": "3278"}, "flag": {"high_cost_nok": 1500}}, "[ceilings] 2026: must be a whole number"),
    ({"ceilings": {"2026": 3278}, "flag": {"high_cost_nok": 0}}, "[flag] high_cost_nok: must be a whole number"),
    ({"ceilings": {"2026": 3278}, "flag": {"high_cost_nok": 10, "low": 1}}, "[flag] unknown key low"),
])
def test_a_mistake_in_the_rules_is_named(data, message):
    with pytest.raises(RulesError) as e:
        parse(data, "ceilings.toml")
    assert message in str(e.value) and str(e.value).startswith("ceilings.toml")


# --- The database, the operations and the pages ---------------------------------------------------

@pytest.fixture(autouse=True)
def pinned():
    with time_machine.travel(NOW, tick=False):
        yield



def pay(patient, actor, amount, on, *, what="Time hos fastlegen", counts=True, measure=None, submission_id=None):
    return actions.register_co_payment(patient=patient, paid_on=on, amount_nok=amount, what=what,
                                       counts_toward_ceiling=counts, measure=measure, actor=actor, now=NOW,
                                       submission_id=submission_id or uuid.uuid4())


def measure(personas, cost, counts=True, **kw):
    return plan_actions.add_measure(
        patient=personas.patient, title=kw.pop("title", "Fysioterapi hos avtalefysioterapeut"),
        organisation=personas.physio_service, person=personas.physiotherapist, cost_nok=cost,
        counts_toward_ceiling=counts, actor=personas.clinic_nurse, now=NOW, submission_id=uuid.uuid4(), **kw)


def form(**kw):
    return {"action": "register", "submission_id": str(uuid.uuid4()), "paid_on": "2026-11-20", "amount_nok": "200",
            "what": "Time hos fastlegen", "counts_toward_ceiling": "on", **kw}


def test_the_cost_page_shows_the_years_co_payments_against_the_ceiling(personas, me, login, english):
    fysio = measure(personas, 2400, start_on=D(2026, 12, 1))
    pay(personas.patient, me, 2000, D(2026, 3, 4))
    pay(personas.patient, personas.clinic_nurse, 800, D(2026, 11, 2), what="Fysioterapi", measure=fysio)
    pay(personas.patient, me, 120, D(2026, 6, 1), what="Parkering", counts=False)
    pay(personas.patient, me, 999, D(2025, 12, 31), what="I fjor")
    response = login(me).get("/my/costs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["summary"].registered_nok == 2800
    assert 'data-registered="2800"' in html and 'data-planned="1600"' in html and 'data-total="4400"' in html
    assert 'data-not-counting="120"' in html and "I fjor" not in html
    assert '<meter min="0" max="3278" value="2800"' in html
    assert "Paid so far: 2,800\xa0kr of the co-payment ceiling of 3,278\xa0kr." in html
    assert 'data-ceiling-state="expected" data-ceiling-on="2026-12-01"' in html
    assert "you are expected to reach the co-payment ceiling around 01.12.2026" in html.replace("12/01/2026",
                                                                                             "01.12.2026")
    assert html.count('data-item="registered"') == 3 and html.count('data-item="planned"') == 1
    assert AccessLog.objects.filter(what="portal_costs", patient=personas.patient, outcome="granted").exists()
    # Last year on its own page.
    last_year = login(me).get("/my/costs/?year=2025").content.decode()
    assert "I fjor" in last_year and 'data-registered="999"' in last_year


def test_when_the_registered_co_payments_reach_the_ceiling_the_page_says_the_exemption_card_applies(personas, me, login,
                                                                                                  english):
    pay(personas.patient, me, 3000, D(2026, 3, 1))
    assert not Message.objects.filter(kind="co_payment_ceiling_reached").exists()
    pay(personas.patient, me, 278, D(2026, 5, 10))
    html = login(me).get("/my/costs/").content.decode()
    assert 'data-ceiling-state="reached" data-ceiling-on="2026-05-10"' in html
    assert "the exemption card (frikort) should apply from that date" in html and "contact HELFO" in html
    # The patient is told once, in the outbox, with no health details in the subject.
    message = Message.objects.get(kind="co_payment_ceiling_reached")
    assert message.recipient_patient == personas.patient and "/my/costs/?year=2026" in message.link
    pay(personas.patient, me, 100, D(2026, 6, 1))
    assert Message.objects.filter(kind="co_payment_ceiling_reached").count() == 1


def test_a_year_without_a_ceiling_says_so_instead_of_failing(personas, me, login, english):
    html = login(me).get("/my/costs/?year=2031").content.decode()
    assert 'data-ceiling-state="no_ceiling"' in html
    assert "There is no co-payment ceiling for 2031 in Samforløp yet" in html


def test_a_nonsense_year_shows_this_year(personas, me, login):
    assert login(me).get("/my/costs/?year=abc").context["year"] == 2026
    assert login(me).get("/my/costs/?year=99999").context["year"] == 2026


def test_the_patient_registers_a_co_payment_they_have_paid(personas, me, login):
    client = login(me)
    response = client.post("/my/costs/", form(paid_on="2026-02-14", amount_nok="375", what="Poliklinikk"))
    assert response.status_code == 302 and response["Location"] == "/my/costs/?year=2026"
    row = CoPayment.objects.get()
    assert (row.patient, row.paid_on, row.amount_nok, row.what, row.counts_toward_ceiling, row.registered_by) == (
        personas.patient, D(2026, 2, 14), 375, "Poliklinikk", True, me)
    assert AuditEntry.objects.filter(action="co_payment_registered", object_id=str(row.pk), actor=me).exists()


def test_a_co_payment_against_a_measure_in_the_plan(personas, me, login):
    fysio = measure(personas, 2400, start_on=D(2026, 12, 1))
    client = login(me)
    assert client.post("/my/costs/", form(amount_nok="800", measure=str(fysio.pk))).status_code == 302
    assert CoPayment.objects.get().measure == fysio
    assert client.get("/my/costs/").context["summary"].planned_nok == 1600


@pytest.mark.parametrize("bad, field_name, message", [
    ({"amount_nok": "0"}, "amount_nok", "greater than or equal to 1"),
    ({"amount_nok": "-200"}, "amount_nok", "greater than or equal to 1"),
    ({"amount_nok": "12,5"}, "amount_nok", "Enter a whole number"),
    ({"paid_on": ""}, "paid_on", "This field is required"),
    ({"paid_on": "2026-11-24"}, "paid_on", "cannot be in the future"),
    ({"what": "  "}, "what", "This field is required"),
])
def test_bad_input_names_the_field_and_stores_nothing(personas, me, login, english, bad, field_name, message):
    response = login(me).post("/my/costs/", form(**bad))
    assert response.status_code == 400
    errors = response.context["register_form"].errors
    assert field_name in errors and message in " ".join(errors[field_name])
    assert f'href="#id_copayment_{field_name}"' in response.content.decode()
    assert not CoPayment.objects.exists()


def test_a_measure_of_another_patients_plan_is_refused(personas, me, login):
    other = new_patient(gp=personas.gp, given="Ola", now=NOW)
    from samforlop.patients.actions import add_care_team_member
    from samforlop.patients.models import CareTeamMember

    add_care_team_member(patient=other, organisation=personas.physio_service, role=CareTeamMember.Role.PHYSIOTHERAPIST,
                         valid_from=D(2020, 1, 1), now=NOW)
    theirs = plan_actions.add_measure(patient=other, title="Deres", organisation=personas.physio_service,
                                      actor=personas.clinic_nurse, now=NOW, cost_nok=500, submission_id=uuid.uuid4())
    response = login(me).post("/my/costs/", form(measure=str(theirs.pk)))
    assert response.status_code == 400 and "measure" in response.context["register_form"].errors
    with pytest.raises(actions.CostError) as e:
        pay(personas.patient, me, 200, D(2026, 11, 1), measure=theirs)
    assert "measure" in e.value.message_dict
    assert not CoPayment.objects.exists()


def test_a_double_submitted_form_registers_one_co_payment(personas, me, login):
    client, data = login(me), form()
    assert client.post("/my/costs/", data).status_code == 302
    assert client.post("/my/costs/", data).status_code == 302
    assert CoPayment.objects.count() == 1
    assert AuditEntry.objects.filter(action="co_payment_registered").count() == 1


def test_the_patient_voids_a_wrong_entry_which_is_kept_but_no_longer_counts(personas, me, login, english):
    right, wrong = pay(personas.patient, me, 200, D(2026, 4, 1)), pay(personas.patient, me, 200, D(2026, 4, 1))
    client = login(me)
    refused = client.post("/my/costs/", {"action": "void", "co_payment": str(wrong.pk), "reason": ""})
    refused_form = next(i.co_payment.void_form for i in refused.context["summary"].items if i.co_payment == wrong)
    assert refused.status_code == 400 and "reason" in refused_form.errors
    assert "Why it is wrong: This field is required." in refused.content.decode()
    response = client.post("/my/costs/", {"action": "void", "co_payment": str(wrong.pk),
                                          "reason": "Registrert to ganger"})
    assert response.status_code == 302
    wrong.refresh_from_db()
    assert (wrong.voided_at, wrong.voided_by, wrong.void_reason) == (NOW, me, "Registrert to ganger")
    # Voiding again (a double submit) changes nothing.
    client.post("/my/costs/", {"action": "void", "co_payment": str(wrong.pk), "reason": "Igjen"})
    wrong.refresh_from_db()
    assert wrong.void_reason == "Registrert to ganger"
    assert AuditEntry.objects.filter(action="co_payment_voided", object_id=str(wrong.pk)).count() == 1
    page = client.get("/my/costs/")
    assert page.context["summary"].registered_nok == 200
    assert f'data-voided="{wrong.pk}"' in page.content.decode() and CoPayment.objects.count() == 2
    assert right.voided_at is None


def test_another_patients_page_and_entries_are_not_found(personas, me, login):
    other = new_patient(gp=personas.gp, given="Ola", now=NOW)
    other_user = User.objects.create(username="ola", patient=other)
    theirs = pay(other, other_user, 500, D(2026, 5, 1), what="Ola sin")
    client = login(me)
    assert "Ola sin" not in client.get("/my/costs/").content.decode()
    response = client.post("/my/costs/", {"action": "void", "co_payment": str(theirs.pk), "reason": "Feil"})
    assert response.status_code == 404
    assert AccessLog.objects.filter(what="portal_costs", requested_id=theirs.pk, outcome="denied").exists()
    theirs.refresh_from_db()
    assert theirs.voided_at is None
    # The care team's page for another patient is not found either.
    assert login(personas.outsider).get(f"/patients/{personas.patient.pk}/costs/").status_code == 404
    with pytest.raises(actions.CostError):
        pay(personas.patient, other_user, 200, D(2026, 5, 1))
    with pytest.raises(actions.CostError):
        actions.void_co_payment(co_payment=theirs, reason="Feil", actor=me, now=NOW)


def test_staff_see_the_patients_costs_and_register_one_the_patient_tells_them_about(personas, me, login):
    client = login(personas.gp)
    url = f"/patients/{personas.patient.pk}/costs/"
    assert client.get(url).status_code == 200
    response = client.post(url, form(amount_nok="375", what="Poliklinikk"))
    assert response.status_code == 302 and response["Location"] == f"{url}?year=2026"
    row = CoPayment.objects.get()
    assert row.registered_by == personas.gp
    assert AccessLog.objects.filter(what="costs", user=personas.gp, patient=personas.patient).exists()
    # The patient sees it on their own page.
    assert login(me).get("/my/costs/").context["summary"].registered_nok == 375


def test_nav_without_consent_and_relatives_may_not_register(personas, login):
    from samforlop.patients.actions import add_care_team_member
    from samforlop.patients.models import CareTeamMember

    add_care_team_member(patient=personas.patient, organisation=personas.nav_office, role=CareTeamMember.Role.NAV,
                         valid_from=D(2026, 1, 1), now=NOW)
    assert login(personas.nav_officer).get(f"/patients/{personas.patient.pk}/costs/").status_code == 404
    with pytest.raises(actions.CostError):
        pay(personas.patient, personas.nav_officer, 200, D(2026, 5, 1))


def test_the_cost_page_does_not_query_per_item(personas, me, login, django_assert_max_num_queries):
    client = login(me)
    client.get("/my/costs/")  # warm up the session
    fysio = measure(personas, 2400, start_on=D(2026, 12, 1))
    pay(personas.patient, me, 200, D(2026, 3, 1), measure=fysio)
    with django_assert_max_num_queries(14) as few:
        client.get("/my/costs/")
    for n in range(15):
        m = measure(personas, 300 + n, start_on=D(2026, 12, 1 + n), title=f"Tiltak {n}")
        pay(personas.patient, me, 100 + n, D(2026, 3, 1 + n), measure=m)
        pay(personas.patient, me, 50, D(2026, 4, 1 + n), counts=False)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/my/costs/")
    assert len(response.context["summary"].items) == 1 + 1 + 15 * 3


# --- Cost per measure and the care team's flag --------------------------------------------------------

def test_each_measure_shows_its_cost_on_the_plan_pages(personas, me, login, english):
    free = measure(personas, 0, title="Gratis gåtur")
    paid = measure(personas, 2400, title="Fysioterapi", start_on=D(2026, 12, 1))
    other = measure(personas, 600, counts=False, title="Treningssenter", start_on=D(2026, 12, 1))
    staff_page = login(personas.physiotherapist).get(f"/patients/{personas.patient.pk}/plan/").content.decode()
    printed = login(personas.physiotherapist).get(f"/patients/{personas.patient.pk}/plan/print/").content.decode()
    portal = login(me).get("/my/plan/").content.decode()
    for html in (staff_page, printed, portal):
        assert row(html, free).count('data-cost="0"') == 1 and "Free" in row(html, free)
        assert 'data-cost="2400">2,400\xa0kr</span><span data-counts="yes">, counts toward the exemption card' in row(
            html, paid)
        assert ('data-cost="600">600\xa0kr</span><span data-counts="no">, does not count toward the exemption card'
                in row(html, other))
    assert "/my/costs/" in portal


def row(html: str, m) -> str:
    start = html.index(f'data-measure="{m.pk}"')
    return html[start:html.index("</tr>", start)]


def test_the_measure_form_takes_a_cost_and_whether_it_counts(personas, login):
    client = login(personas.clinic_nurse)
    url = f"/patients/{personas.patient.pk}/plan/measure/"
    data = {"submission_id": str(uuid.uuid4()), "title": "Fysioterapi", "organisation": str(personas.physio_service.pk),
            "cost_nok": "1800", "counts_toward_ceiling": "on"}
    assert client.post(url, data).status_code == 302
    fysio = personas.patient.plan.measures.get()
    assert (fysio.cost_nok, fysio.counts_toward_ceiling) == (1800, True)
    bad = client.post(url, {**data, "submission_id": str(uuid.uuid4()), "cost_nok": "-5"})
    assert bad.status_code == 400 and "cost_nok" in bad.context["measure_form"].errors
    empty = client.post(url, {**data, "submission_id": str(uuid.uuid4()), "title": "Gåtur", "cost_nok": ""})
    assert empty.status_code == 302
    assert personas.patient.plan.measures.get(title="Gåtur").cost_nok == 0


def test_the_care_team_sees_a_gentle_flag_when_the_plan_costs_a_lot(personas, me, login, english):
    url = f"/patients/{personas.patient.pk}/plan/"
    client = login(personas.gp)
    measure(personas, 600, start_on=D(2026, 12, 1))
    low = client.get(url)
    assert not low.context["cost_flag"] and "data-cost-flag" not in low.content.decode()
    assert "Costs to the patient in 2026" in low.content.decode()
    measure(personas, 2400, counts=False, title="Treningssenter, halvår", start_on=D(2026, 12, 1))
    high = client.get(url)
    html = high.content.decode()
    assert high.context["cost_flag"] and "data-cost-flag" in html
    assert "This plan costs the patient about 3,000\xa0kr this year. Are there free alternatives?" in html
    assert f'href="/patients/{personas.patient.pk}/offers/"' in html


def test_co_payments_beyond_the_ceiling_do_not_raise_the_flag(personas, me, login):
    pay(personas.patient, me, CEILING, D(2026, 2, 1))  # the exemption card already applies
    measure(personas, 2400, start_on=D(2026, 12, 1))
    response = login(personas.gp).get(f"/patients/{personas.patient.pk}/plan/")
    assert response.context["cost_summary"].plan_cost_nok == 0 and not response.context["cost_flag"]


def test_offers_show_cost_in_the_same_words(personas, client, english):
    from samforlop.offers.actions import save_offer

    fields = dict(title="Treningsgruppe", description="Trening", kind="adapted_training", open_without_diagnosis=True,
                  diagnosis_groups=[], needs_referral=False, needs_decision=False, cost_nok=1500,
                  counts_toward_exemption=False, transport=False, needs=["physical_activity"],
                  last_verified=D(2026, 11, 1))
    offer = save_offer(editor=personas.physiotherapist, fields=fields, municipalities=["4601"], now=NOW)
    detail = client.get(f"/offers/{offer.pk}/").content.decode()
    assert ('data-cost="1500">1,500\xa0kr</span><span data-counts="no">, does not count toward the exemption card'
            in detail)
    catalogue = client.get("/offers/?municipality=4601").content.decode()
    assert 'class="tag" data-cost="1500">1,500\xa0kr</span>' in catalogue
    assert 'class="tag" data-counts="no">does not count toward the exemption card' in catalogue


# --- The demo ------------------------------------------------------------------------------------------

def test_the_demo_gives_pasient4_an_interesting_year_and_some_plans_a_flag(db):
    from samforlop.costs.demo import build_demo
    from samforlop.costs.summary import is_high, summary_for
    from samforlop.demo.world import build_world

    world = build_world(patients=40, seed=7, now=NOW)
    build_demo(world, TODAY, NOW)
    me = User.objects.get(username="pasient4")
    s = summary_for(me.patient, 2026, TODAY)
    assert s.registered_nok > 0 and s.planned_nok > 0 and s.not_counting_nok > 0
    assert s.state in (EXPECTED, REACHED)
    assert CoPayment.objects.filter(patient=me.patient, voided_at__isnull=False).exists()
    assert CoPayment.objects.filter(patient=me.patient).exclude(registered_by=me).exists()  # staff registered one
    flagged = [p for p in world.patients if p.pk != me.patient_id and is_high(summary_for(p, 2026, TODAY))]
    assert flagged
