"""Capacity what-if for a clinic: from its current queue and the last 12 months' inflow, inclusion
rate and assessment starts per week, simulate the next 26 weeks (discrete-event simulation with
SimPy, many seeded runs) and estimate the share assessed within the 12-week limit and the wait.

The cohort measured is the patients whose 12-week deadline falls within the horizon; a patient is
within the limit when assessed by their deadline. Arrivals come from the same seeded streams
whatever the number of slots, and the queue is first come, first served, so more slots never gives
a worse share (each patient is assessed no later)."""

from __future__ import annotations

import datetime as dt
import random
import statistics
from dataclasses import dataclass

import simpy

from samforlop.pathways.models import Pathway, PathwayTime

WEEK = 7.0
LIMIT_DAYS = 84
HORIZON_WEEKS = 26


@dataclass(frozen=True)
class Inputs:
    queue_waited_days: tuple[int, ...]  # how long each patient now waiting has waited
    inflow_per_week: float               # new pathways (referrals × inclusion rate) per week
    slots_per_week: float                # assessment starts per week


@dataclass(frozen=True)
class Outcome:
    share_within: float
    share_low: float
    share_high: float
    mean_wait_days: float
    runs: int


def inputs_from_data(clinic, type: str, today: dt.date, window_end: dt.date | None = None) -> Inputs:
    """The clinic's own figures: the queue now (or at `window_end`), and the 12 months before."""
    end = window_end or today
    start = end - dt.timedelta(days=365)
    started = Pathway.objects.filter(clinic=clinic, type=type, started_on__gt=start, started_on__lte=end)
    included = started.exclude(outcome="not_included").count()
    # Assessment starts in force (a voided one does not count): the derived time-limit rows.
    assessments = PathwayTime.objects.filter(clinic=clinic, type=type, limit="referral_to_assessment",
                                             reached_on__gt=start, reached_on__lte=end).count()
    if window_end is None:
        queue = Pathway.objects.filter(clinic=clinic, type=type, status="active", next_milestone="assessment_start")
        waited = tuple((today - p.started_on).days for p in queue.only("started_on") if p.started_on)
    else:
        waited = ()
    return Inputs(queue_waited_days=waited, inflow_per_week=included / 52, slots_per_week=assessments / 52)


def _poisson(rng: random.Random, lam: float) -> int:
    # Knuth's method is fine for the weekly rates of a clinic.
    if lam <= 0:
        return 0
    threshold, k, p = pow(2.718281828459045, -lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= threshold:
            return k
        k += 1


def simulate_once(inputs: Inputs, slots_per_week: float, seed: int, weeks: int = HORIZON_WEEKS) -> tuple[float, float]:
    """One run: (share within the limit of the cohort due in the horizon, mean wait of those assessed)."""
    rng = random.Random(seed)
    env = simpy.Environment()
    queue: list[float] = [-float(w) for w in sorted(inputs.queue_waited_days, reverse=True)]  # arrival times
    arrivals = list(queue)
    served: dict[int, float] = {}
    # Arrival times are drawn up front, so every capacity sees the same patients.
    for week in range(weeks):
        for _ in range(_poisson(rng, inputs.inflow_per_week)):
            arrivals.append(week * WEEK + rng.random() * WEEK)
    order = sorted(range(len(arrivals)), key=lambda i: arrivals[i])

    def assessments(env):
        position, credit = 0, 0.0
        while True:
            yield env.timeout(1.0)  # daily: a week's slots spread over its days
            credit += slots_per_week / WEEK
            while credit >= 1 and position < len(order):
                i = order[position]
                if arrivals[i] > env.now:
                    break
                served[i] = env.now
                position += 1
                credit -= 1
            credit = min(credit, slots_per_week)  # unused slots do not pile up

    env.process(assessments(env))
    env.run(until=weeks * WEEK)
    horizon = weeks * WEEK
    cohort = [i for i, arrived in enumerate(arrivals) if 0 <= arrived + LIMIT_DAYS <= horizon]
    within = sum(1 for i in cohort if i in served and served[i] - arrivals[i] <= LIMIT_DAYS)
    waits = [served[i] - arrivals[i] for i in served]
    share = within / len(cohort) if cohort else 1.0
    return share, (statistics.fmean(waits) if waits else 0.0)


def simulate(inputs: Inputs, slots_per_week: float | None = None, runs: int = 200, first_seed: int = 1) -> Outcome:
    slots = inputs.slots_per_week if slots_per_week is None else slots_per_week
    results = [simulate_once(inputs, slots, seed) for seed in range(first_seed, first_seed + runs)]
    shares = sorted(r[0] for r in results)
    return Outcome(
        share_within=statistics.fmean(shares), share_low=shares[int(0.1 * (runs - 1))],
        share_high=shares[int(0.9 * (runs - 1))], mean_wait_days=statistics.fmean(r[1] for r in results), runs=runs)


def back_test(clinic, type: str, today: dt.date, runs: int = 100) -> tuple[Outcome, float | None]:
    """Last year's model (the 12 months before last year) against this year's measured share."""
    year_ago = today - dt.timedelta(days=365)
    outcome = simulate(inputs_from_data(clinic, type, today, window_end=year_ago), runs=runs)
    measured = list(PathwayTime.objects.filter(clinic=clinic, type=type, limit="referral_to_assessment",
                                               reached_on__gt=year_ago, reached_on__lte=today)
                    .values_list("state", flat=True))
    actual = sum(1 for s in measured if s == "met") / len(measured) if measured else None
    return outcome, actual
