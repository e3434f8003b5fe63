"""Demo data for costs: some plan measures cost the patient something, and the demo patient "pasient4"
has a year of co-payments (paid, planned, one that does not count, one voided) on their cost page.
Everything through the named operations; its own random stream, so the world's does not change."""

from __future__ import annotations

import datetime as dt
import random
import uuid

from samforlop.accounts.models import User
from samforlop.careplan.actions import add_measure
from samforlop.careplan.models import Plan
from samforlop.costs.actions import register_co_payment, void_co_payment
from samforlop.patients.models import CareTeamMember, active_on


def _ids(rng):
    return lambda: uuid.UUID(int=rng.getrandbits(128))


def _team(patient, today) -> set:
    members = CareTeamMember.objects.filter(active_on(today), patient=patient)
    return set(members.values_list("organisation_id", flat=True))


def build_demo(world, today: dt.date, now) -> None:
    rng = random.Random(10_010)
    new_id = _ids(rng)
    organisations, staff = world.organisations, world.staff
    physio, physio_person = organisations["physio_bergen"], staff["fysio.bergen"]
    planner = staff["koordinator.smerte"]
    in_days = lambda n: today + dt.timedelta(days=n)  # noqa: E731

    # Some plans get measures that cost the patient something (added as new measures with their cost).
    plan_patients = set(Plan.objects.filter(patient__in=world.patients).values_list("patient_id", flat=True))
    costly = 0
    for patient in world.patients:
        if patient.pk not in plan_patients:
            continue
        team = _team(patient, today)
        if physio.pk in team:
            add_measure(patient=patient, title="Fysioterapi hos fysioterapeut med driftsavtale, 10 behandlinger",
                        organisation=physio, person=physio_person, start_on=in_days(rng.randint(3, 30)),
                        cost_nok=10 * 200, counts_toward_ceiling=True, actor=planner, now=now, submission_id=new_id())
            costly += 1
            if costly % 2:  # every other one costs a lot: the care team sees the gentle flag
                add_measure(patient=patient, title="Treningssenter med instruktør, halvår", organisation=physio,
                            person=physio_person, start_on=in_days(rng.randint(3, 30)), cost_nok=2400,
                            counts_toward_ceiling=False, actor=planner, now=now, submission_id=new_id())
        elif patient.gp_id and patient.gp.organisation_id in team and rng.random() < 0.5:
            add_measure(patient=patient, title="Kontroller hos fastlegen, fire timer",
                        organisation=patient.gp.organisation, person=patient.gp, due_on=in_days(rng.randint(30, 90)),
                        cost_nok=4 * 200, counts_toward_ceiling=True, actor=planner, now=now, submission_id=new_id())

    user = User.objects.filter(username="pasient4").select_related("patient").first()
    if user is None or user.patient is None:
        return
    # Its own stream too: the same entries whatever the size of the world, so a second run adds nothing.
    rng = random.Random(10_011)
    _pasient4(user, today, now, rng, _ids(rng), organisations, staff)


def _pasient4(user, today, now, rng, new_id, organisations, staff) -> None:
    """A year with paid and planned co-payments, part of a measure already paid, a cost that does not
    count toward the ceiling and a wrong entry voided."""
    patient = user.patient
    team = _team(patient, today)
    jan1 = dt.date(today.year, 1, 1)

    def paid_day() -> dt.date:  # this year, up to today
        return jan1 + dt.timedelta(days=rng.randint(0, (today - jan1).days))

    def pay(what, amount, *, counts=True, measure=None, actor=user):
        return register_co_payment(patient=patient, paid_on=paid_day(), amount_nok=amount, what=what,
                                   counts_toward_ceiling=counts, measure=measure, actor=actor, now=now,
                                   submission_id=new_id())

    planner = staff["koordinator.smerte"]
    physio = organisations["physio_bergen"]
    if physio.pk in team:
        add_measure(
            patient=patient, title="Fysioterapi hos fysioterapeut med driftsavtale, 12 behandlinger",
            organisation=physio, person=staff["fysio.bergen"], start_on=today + dt.timedelta(days=7), due_on=today + dt.timedelta(days=90),
            cost_nok=12 * 200, counts_toward_ceiling=True, actor=planner, now=now, submission_id=new_id())
        add_measure(patient=patient, title="Varmtvannstrening i gruppe, semesteravgift", organisation=physio,
                    person=staff["fysio.bergen"], start_on=today + dt.timedelta(days=14), cost_nok=900,
                    counts_toward_ceiling=False, actor=planner, now=now, submission_id=new_id())
    checks = None
    if patient.gp_id and patient.gp.organisation_id in team:
        checks = add_measure(
            patient=patient, title="Kontroller hos fastlegen, fire timer", organisation=patient.gp.organisation,
            person=patient.gp, due_on=today + dt.timedelta(days=rng.randint(20, 40)), cost_nok=4 * 200,
            counts_toward_ceiling=True, actor=planner, now=now, submission_id=new_id())

    pay("Time hos fastlegen", 200, measure=checks)  # one of the four checks is paid: 600 kr of it are planned
    pay("Time hos fastlegen", 200)
    pay("Poliklinisk time, smerteklinikken", 375)
    pay("Blodprøver hos fastlegen", 60)
    pay("Parkering ved sykehuset", 120, counts=False)
    # The clinic registers one the patient told them about on the phone.
    if organisations["pain"].pk in team:
        pay("Poliklinisk time, smerteklinikken", 375, actor=staff["sykepleier.smerte"])
    wrong = pay("Time hos fastlegen", 200)
    void_co_payment(co_payment=wrong, reason="Registrert to ganger ved en feil", actor=user, now=now)
