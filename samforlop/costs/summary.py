"""A patient's co-payments for one calendar year against the co-payment ceiling (egenandelstaket).

`year_summary` is a pure function of plain objects, so the rule is tested on hand-made cases;
`summary_for` reads the patient's rows and calls it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

REACHED = "reached"          # registered co-payments alone reach the ceiling
EXPECTED = "expected"        # registered plus planned reach it
NOT_REACHED = "not_reached"  # not even with what is planned
NO_CEILING = "no_ceiling"    # the rules have no ceiling for the year

OPEN_STATUSES = ("planned", "in_progress")  # careplan.Measure.OPEN


@dataclass(frozen=True)
class Item:
    """One line of the year: a registered co-payment or a planned measure's cost."""

    on: dt.date
    what: str
    amount_nok: int
    counts: bool  # toward the ceiling
    planned: bool  # False: registered (paid)
    undated: bool = False  # a planned measure with neither start nor due date: placed on today
    planned_for: dt.date | None = None  # a planned measure's own date when it is placed on another (passed)
    measure_id: object = None
    co_payment: object = None  # the registered row, for the page (void it)
    measure: object = None  # the planned measure
    cumulative_nok: int | None = None  # running sum of counting items, in date order (counting items only)
    out_of_pocket_nok: int = 0  # what the patient pays of it: counting items only up to the ceiling

    @property
    def registered(self) -> bool:
        return not self.planned


@dataclass(frozen=True)
class YearSummary:
    year: int
    ceiling_nok: int | None
    items: tuple[Item, ...]  # in date order
    registered_nok: int  # counting toward the ceiling, registered (paid)
    planned_nok: int  # counting toward the ceiling, planned
    not_counting_registered_nok: int
    not_counting_planned_nok: int
    state: str  # REACHED, EXPECTED, NOT_REACHED, NO_CEILING
    ceiling_on: dt.date | None  # the ceiling date (reached or expected)
    left_nok: int | None  # kroner left to the ceiling with what is planned (NOT_REACHED only)
    plan_cost_nok: int  # what the plan's measures cost the patient this year (see ceilings.toml [flag])

    @property
    def total_nok(self) -> int:
        """Counting toward the ceiling: registered plus planned."""
        return self.registered_nok + self.planned_nok

    @property
    def not_counting_nok(self) -> int:
        return self.not_counting_registered_nok + self.not_counting_planned_nok

    @property
    def counting_items(self) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.counts)

    @property
    def not_counting_items(self) -> tuple[Item, ...]:
        return tuple(i for i in self.items if not i.counts)


def _first_date_reaching(items, ceiling: int) -> dt.date | None:
    total = 0
    for item in items:
        total += item.amount_nok
        if total >= ceiling:
            return item.on
    return None


def year_summary(*, year: int, ceiling_nok: int | None, co_payments, measures, today: dt.date) -> YearSummary:
    """The year's co-payments against the ceiling, and the ceiling date.

    Registered: the patient's co-payments paid in the calendar year `year` that are not voided. Those
    marked as counting toward the ceiling make the registered sum; the others are shown separately.

    Planned: the open measures of the plan (planned or in progress) that cost the patient something,
    whose date falls in `year` -- the date is the start date, else the due date, else `today` (an
    undated measure is expected now). The planned amount is the measure's cost minus what is already
    registered against that measure (not voided, whatever the year), never below 0; a measure fully
    paid plans nothing. It counts toward the ceiling when the measure does. What is planned is not
    paid yet, so a planned item whose date has passed is placed on `today` (at the latest on
    31 December of `year`): an expected ceiling date is never in the past.

    The ceiling date: take the counting items, registered ones by the date paid and planned ones by
    the date they are placed on, in date order (registered before planned on the same day), and add
    them up; the ceiling date is the first date on which the running sum reaches the ceiling (>=).
    - REACHED when the registered co-payments alone reach it: the exemption card (frikort) should
      apply from that date.
    - EXPECTED when it is reached only with what is planned: expected around that date.
    - NOT_REACHED otherwise, with `left_nok` = ceiling - (registered + planned).
    - NO_CEILING when the rules have no ceiling for the year: sums only, no date.

    What each item costs the patient out of pocket: counting items only up to the ceiling, in the same
    order (beyond it the exemption card pays); other items in full. `plan_cost_nok` adds this up for the
    items of the plan: the planned measures and the co-payments registered against a measure.

    `co_payments`: objects with pk, paid_on, amount_nok, what, counts_toward_ceiling, voided_at and
    measure_id (all the patient's co-payments, or at least those of the year and those against a
    measure). `measures`: objects with pk, title, status, start_on, due_on, cost_nok and
    counts_toward_ceiling.
    """
    live = [c for c in co_payments if c.voided_at is None]
    paid_for = defaultdict(int)
    for c in live:
        if c.measure_id is not None:
            paid_for[c.measure_id] += c.amount_nok
    items = [Item(on=c.paid_on, what=c.what, amount_nok=c.amount_nok, counts=c.counts_toward_ceiling, planned=False,
                  measure_id=c.measure_id, co_payment=c) for c in live if c.paid_on.year == year]
    for m in measures:
        if m.status not in OPEN_STATUSES or not m.cost_nok:
            continue
        own = m.start_on or m.due_on
        amount = max(0, m.cost_nok - paid_for[m.pk])
        if (own or today).year != year or amount == 0:
            continue
        on = min(max(own or today, today), dt.date(year, 12, 31))
        items.append(Item(on=on, what=m.title, amount_nok=amount, counts=m.counts_toward_ceiling, planned=True,
                          undated=own is None, planned_for=own if own and own != on else None,
                          measure_id=m.pk, measure=m))
    items.sort(key=lambda i: (i.on, i.planned, i.what, str(i.measure_id or ""), str(getattr(i.co_payment, "pk", ""))))

    running, final = 0, []
    for item in items:
        if item.counts:
            before, running = running, running + item.amount_nok
            pays = item.amount_nok if ceiling_nok is None else max(0, min(item.amount_nok, ceiling_nok - before))
            final.append(dataclasses.replace(item, cumulative_nok=running, out_of_pocket_nok=pays))
        else:
            final.append(dataclasses.replace(item, out_of_pocket_nok=item.amount_nok))

    def total(counts: bool, planned: bool) -> int:
        return sum(i.amount_nok for i in final if i.counts == counts and i.planned == planned)

    registered, planned = total(True, False), total(True, True)
    state, ceiling_on, left = NO_CEILING, None, None
    if ceiling_nok is not None:
        if (ceiling_on := _first_date_reaching([i for i in final if i.counts and not i.planned], ceiling_nok)):
            state = REACHED
        elif (ceiling_on := _first_date_reaching([i for i in final if i.counts], ceiling_nok)):
            state = EXPECTED
        else:
            state, left = NOT_REACHED, ceiling_nok - registered - planned
    return YearSummary(
        year=year, ceiling_nok=ceiling_nok, items=tuple(final), registered_nok=registered, planned_nok=planned,
        not_counting_registered_nok=total(False, False), not_counting_planned_nok=total(False, True),
        state=state, ceiling_on=ceiling_on, left_nok=left,
        plan_cost_nok=sum(i.out_of_pocket_nok for i in final if i.planned or i.measure_id is not None),
    )


def co_payments_for(patient, year: int):
    """The patient's co-payments that matter for `year`, voided ones included (the page lists them):
    those paid in the year and those against a measure (they reduce its planned cost)."""
    from django.db.models import Q

    from samforlop.costs.models import CoPayment

    return (CoPayment.objects.filter(Q(paid_on__year=year) | Q(measure__isnull=False), patient=patient)
            .select_related("measure", "registered_by"))


def summary_for(patient, year: int, today: dt.date, *, measures=None, co_payments=None) -> YearSummary:
    """The patient's summary for `year` from the database: two queries, fewer when the plan's open
    `measures` or the `co_payments` (from `co_payments_for`) are already at hand."""
    from samforlop.careplan.models import Measure
    from samforlop.costs.rules import get_rules

    if co_payments is None:
        co_payments = list(co_payments_for(patient, year).filter(voided_at__isnull=True))
    if measures is None:
        measures = list(Measure.objects.filter(plan__patient=patient, status__in=OPEN_STATUSES, cost_nok__gt=0))
    return year_summary(year=year, ceiling_nok=get_rules().ceiling_for(year), co_payments=co_payments,
                        measures=measures, today=today)


def is_high(summary: YearSummary) -> bool:
    """The professionals' gentle flag: the plan costs the patient a lot this year (ceilings.toml [flag])."""
    from samforlop.costs.rules import get_rules

    return summary.plan_cost_nok >= get_rules().high_cost_nok
