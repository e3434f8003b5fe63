"""The pathway-time report (forløpstider): for each time limit, per month or quarter, how many
pathways were measured, the share within the limit, the median and 80th percentile in days, and
the trend; and the running pathways at risk or breached now.

Computed from `PathwayTime`, the rows derived from the event log in the same transaction as each
event: a pathway is measured in the period in which it reached the limit's end milestone. A
pathway that ended another way (e.g. not included) is not measured."""

from __future__ import annotations

import datetime as dt
import math
import statistics
from dataclasses import dataclass, field

from django.db.models import CharField, Count
from django.db.models.functions import Cast, Substr

from samforlop.pathways.definitions import get_definition
from samforlop.pathways.models import Pathway, PathwayTime
from samforlop.pathways.state import AT_RISK, BREACHED


def period_key(day: dt.date, granularity: str) -> str:
    if granularity == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return f"{day.year}-{day.month:02d}"


@dataclass
class Cell:
    period: str
    count: int
    within: int
    median_days: float
    p80_days: int
    trend: float | None = None  # change in share since the period before, in percentage points

    @property
    def share(self) -> float:
        return self.within / self.count


@dataclass
class LimitReport:
    key: str
    name: object
    weeks: int
    cells: list[Cell] = field(default_factory=list)
    total: Cell | None = None


@dataclass
class Report:
    limits: list[LimitReport]
    running_at_risk: int
    running_breached: int
    periods: list[str]


def _percentile_from_histogram(histogram: list[tuple[int, int]], p: float) -> int:
    """Nearest rank over (value, count) pairs sorted by value."""
    total = sum(n for _, n in histogram)
    rank = max(1, math.ceil(p / 100 * total))
    seen = 0
    for value, n in histogram:
        seen += n
        if seen >= rank:
            return value
    return histogram[-1][0]


def _median_from_histogram(histogram: list[tuple[int, int]]) -> float:
    total = sum(n for _, n in histogram)
    middle = [(total - 1) // 2, total // 2]  # 0-based positions of the middle value(s)
    values, seen = [], 0
    for value, n in histogram:
        for position in middle:
            if seen <= position < seen + n:
                values.append(value)
        seen += n
    return statistics.fmean(values) if values[0] != values[-1] else values[0]


def _cell_from_histogram(period: str, histogram: list[tuple[int, int]], limit_days: int) -> Cell:
    count = sum(n for _, n in histogram)
    within = sum(n for value, n in histogram if value <= limit_days)
    return Cell(period=period, count=count, within=within, median_days=_median_from_histogram(histogram),
                p80_days=_percentile_from_histogram(histogram, 80))


def build(*, clinic_ids, type: str, date_from: dt.date, date_to: dt.date, granularity: str, today: dt.date) -> Report:
    """One aggregate query: counts per (limit, period, days), so the database does the heavy part
    and the cells are computed from small histograms (exact medians and percentiles)."""
    definition = get_definition(type)
    # "YYYY-MM" from the ISO date text: plain SQL on both databases (no per-row function call).
    month = Substr(Cast("reached_on", output_field=CharField()), 1, 7)
    rows = (PathwayTime.objects
            .filter(clinic_id__in=clinic_ids, type=type, reached_on__gte=date_from, reached_on__lte=date_to)
            .annotate(month=month).values_list("limit", "month", "elapsed_days")
            .annotate(n=Count("elapsed_days")).order_by())
    histograms: dict[tuple[str, str], dict[int, int]] = {}
    for limit, month_text, elapsed, n in rows:
        year, month_number = int(month_text[:4]), int(month_text[5:7])
        bucket = histograms.setdefault((limit, period_key(dt.date(year, month_number, 1), granularity)), {})
        bucket[elapsed] = bucket.get(elapsed, 0) + n
    periods = sorted({p for _, p in histograms})
    limits = []
    for limit in definition.time_limits:
        report = LimitReport(key=limit.key, name=limit.name, weeks=limit.weeks)
        previous, overall = None, {}
        for period in periods:
            histogram = sorted(histograms.get((limit.key, period), {}).items())
            if not histogram:
                continue
            cell = _cell_from_histogram(period, histogram, limit.days)
            if previous is not None:
                cell.trend = round(100 * (cell.share - previous.share), 1)
            report.cells.append(cell)
            previous = cell
            for value, n in histogram:
                overall[value] = overall.get(value, 0) + n
        if overall:
            report.total = _cell_from_histogram("total", sorted(overall.items()), limit.days)
        limits.append(report)
    running = Pathway.objects.filter(clinic_id__in=clinic_ids, type=type, status="active")
    return Report(
        limits=limits, periods=periods,
        running_at_risk=running.with_deadline_state(AT_RISK, today).count(),
        running_breached=running.with_deadline_state(BREACHED, today).count(),
    )


def drilldown(*, clinic_ids, type: str, limit: str, period: str, granularity: str, date_from, date_to):
    """The pathways behind one cell of the report."""
    rows = (PathwayTime.objects
            .filter(clinic_id__in=clinic_ids, type=type, limit=limit, reached_on__gte=date_from, reached_on__lte=date_to)
            .select_related("pathway__patient", "pathway__clinic").order_by("reached_on", "pathway_id"))
    return [r for r in rows if period_key(r.reached_on, granularity) == period]
