"""The pathway-time report (forløpstider): for each time limit, per month or quarter, how many
pathways were measured, the share within the limit, the median and 80th percentile in days, and
the trend; and the running pathways at risk or breached now.

Computed from `PathwayTime`, the rows derived from the event log in the same transaction as each
event: a pathway is measured in the period in which it reached the limit's end milestone. A
pathway that ended another way (e.g. not included) is not measured."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field

from samforlop.pathways.definitions import get_definition
from samforlop.pathways.models import Pathway, PathwayTime
from samforlop.pathways.state import AT_RISK, BREACHED, MET
from samforlop.pathways.timeframes import percentile_nearest_rank


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


def _cell(period: str, days: list[int], within: int) -> Cell:
    return Cell(period=period, count=len(days), within=within, median_days=statistics.median(days),
                p80_days=percentile_nearest_rank(days, 80))


def build(*, clinic_ids, type: str, date_from: dt.date, date_to: dt.date, granularity: str, today: dt.date) -> Report:
    definition = get_definition(type)
    rows = (PathwayTime.objects
            .filter(clinic_id__in=clinic_ids, type=type, reached_on__gte=date_from, reached_on__lte=date_to)
            .values_list("limit", "reached_on", "elapsed_days", "state").iterator(chunk_size=20000))
    grouped: dict[tuple[str, str], list] = {}
    for limit, reached_on, elapsed, state in rows:
        bucket = grouped.setdefault((limit, period_key(reached_on, granularity)), [[], 0])
        bucket[0].append(elapsed)
        bucket[1] += state == MET
    periods = sorted({p for _, p in grouped})
    limits = []
    for limit in definition.time_limits:
        report = LimitReport(key=limit.key, name=limit.name, weeks=limit.weeks)
        previous = None
        all_days, all_within = [], 0
        for period in periods:
            days, within = grouped.get((limit.key, period), ([], 0))
            if not days:
                continue
            cell = _cell(period, days, within)
            if previous is not None:
                cell.trend = round(100 * (cell.share - previous.share), 1)
            report.cells.append(cell)
            previous = cell
            all_days += days
            all_within += within
        if all_days:
            report.total = _cell("total", all_days, all_within)
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
