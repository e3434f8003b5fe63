"""A clinic's real recent times for one time limit: what the patient's letter and the clinic's
public page tell, next to the national limit (NFF: patients must be told the time frames)."""

from __future__ import annotations

import datetime as dt
import math
import statistics
from dataclasses import dataclass

from samforlop.pathways.definitions import get_definition
from samforlop.pathways.models import PathwayTime

MINIMUM_PATHWAYS = 10
WINDOW_DAYS = 365


@dataclass(frozen=True)
class RecentTimes:
    limit_key: str
    limit_weeks: int
    count: int
    median_days: float | None
    p80_days: int | None
    window_from: dt.date
    window_to: dt.date

    @property
    def enough_data(self) -> bool:
        return self.count >= MINIMUM_PATHWAYS

    def as_dict(self) -> dict:
        return {"limit_key": self.limit_key, "limit_weeks": self.limit_weeks, "count": self.count,
                "median_days": self.median_days, "p80_days": self.p80_days,
                "window_from": self.window_from.isoformat(), "window_to": self.window_to.isoformat()}


def percentile_nearest_rank(values: list[int], p: float) -> int:
    """The smallest value with at least p % of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def recent_times(clinic, type: str, today: dt.date, limit_key: str | None = None) -> RecentTimes:
    """Median and 80th percentile, in days, of the limit's measured times at this clinic for
    pathways that reached it in the last 12 months. Under 10 pathways: not enough data."""
    definition = get_definition(type)
    limit = definition.time_limit(limit_key or definition.referral.time_frame_limit)
    window_from = today - dt.timedelta(days=WINDOW_DAYS)
    values = list(
        PathwayTime.objects.filter(
            clinic=clinic, type=type, limit=limit.key, reached_on__gt=window_from, reached_on__lte=today,
        ).values_list("elapsed_days", flat=True)
    )
    enough = len(values) >= MINIMUM_PATHWAYS
    return RecentTimes(
        limit_key=limit.key, limit_weeks=limit.weeks, count=len(values),
        median_days=statistics.median(values) if enough else None,
        p80_days=percentile_nearest_rank(values, 80) if enough else None,
        window_from=window_from, window_to=today,
    )
