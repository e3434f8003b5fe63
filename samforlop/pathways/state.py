"""What a pathway's event log means: which events count, whether the sequence is possible, and
the derived state (status, phase, next milestone and deadline, each time limit's state).

Pure functions over plain records, so the same rules serve the pages, the import and the
benchmarks, and can be tested without a database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterable, Protocol

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from samforlop.pathways.definitions import VOID, PathwayDefinition, TimeLimit

ACTIVE, ENDED, VOIDED = "active", "ended", "voided"

# Time-limit states.
MET, BREACHED, RUNNING, AT_RISK, NOT_STARTED, NOT_MEASURED = (
    "met", "breached", "running", "at_risk", "not_started", "not_measured",
)


class LoggedEvent(Protocol):
    pk: int | None  # registration order: higher is later
    key: str
    date: dt.date
    outcome: str
    voids_id: int | None


def effective_events(events: Iterable[LoggedEvent]) -> list[LoggedEvent]:
    """The milestone events still in force, in clinical order.

    A correction voids its target unless the correction is itself voided, so walk from the
    newest registration back: a voided voider has no effect.
    """
    ordered = sorted(events, key=lambda e: e.pk)
    voided: set[int] = set()
    for event in reversed(ordered):
        if event.pk in voided:
            continue
        if event.voids_id is not None:
            voided.add(event.voids_id)
    in_force = [e for e in ordered if e.pk not in voided and e.key != VOID]
    return sorted(in_force, key=lambda e: (e.date, e.pk))


def _d(day: dt.date) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")


def sequence_errors(definition: PathwayDefinition, effective: list[LoggedEvent], today: dt.date) -> list[str]:
    """Everything impossible about this set of events, as sentences a clinician can act on."""
    errors: list[str] = []
    first_by_key: dict[str, LoggedEvent] = {}
    name = lambda key: str(definition.milestones[key].name)  # noqa: E731

    for event in effective:
        milestone = definition.milestones.get(event.key)
        if milestone is None:
            errors.append(_("“%(key)s” is not a milestone of this pathway.") % {"key": event.key})
            continue
        if event.date > today:
            errors.append(
                _("%(milestone)s is dated %(date)s, which is in the future.")
                % {"milestone": milestone.name, "date": _d(event.date)}
            )
        earlier = first_by_key.get(event.key)
        if earlier is not None:
            errors.append(
                _("%(milestone)s is already registered (%(date)s).")
                % {"milestone": milestone.name, "date": _d(earlier.date)}
            )
            continue
        first_by_key[event.key] = event

    by_key = first_by_key
    start = definition.start
    end_event = by_key.get(definition.end.key)
    for event in effective:
        milestone = definition.milestones.get(event.key)
        if milestone is None or by_key.get(event.key) is not event:
            continue
        rules = [(milestone.requires, milestone.not_after, milestone.name)]
        if milestone.ends:
            outcome = definition.outcomes.get(event.outcome or "")
            if outcome is None:
                errors.append(
                    _("%(milestone)s needs an outcome, one of: %(outcomes)s.")
                    % {"milestone": milestone.name, "outcomes": ", ".join(definition.outcomes)}
                )
            else:
                rules.append((outcome.requires, outcome.not_after, outcome.name))
        elif event.outcome:
            errors.append(_("Only the end of the pathway has an outcome."))
        for requires, not_after, label in rules:
            for key in requires:
                before = by_key.get(key)
                if before is None:
                    errors.append(
                        _("%(milestone)s cannot be registered before %(required)s.")
                        % {"milestone": label, "required": name(key)}
                    )
                elif before.date > event.date:
                    errors.append(
                        _("%(milestone)s (%(date)s) cannot be dated before %(required)s (%(required_date)s).")
                        % {"milestone": label, "date": _d(event.date), "required": name(key),
                           "required_date": _d(before.date)}
                    )
            for key in not_after:
                later = by_key.get(key)
                if later is not None and later.date < event.date:
                    errors.append(
                        _("%(milestone)s cannot come after %(other)s (%(other_date)s).")
                        % {"milestone": label, "other": name(key), "other_date": _d(later.date)}
                    )
        if end_event is not None and event is not end_event:
            # A correction takes the place of what it voids, so only new milestones count as
            # registered after the end.
            registered_after = event.voids_id is None and event.pk > end_event.pk
            if event.date > end_event.date or registered_after:
                errors.append(
                    _("The pathway ended on %(date)s; nothing can be registered after the end.")
                    % {"date": _d(end_event.date)}
                )
    if effective and start.key not in by_key:
        errors.append(
            _("%(start)s must be registered first.") % {"start": start.name}
        )
    return errors


@dataclass(frozen=True)
class LimitState:
    limit: TimeLimit
    state: str
    elapsed_days: int | None
    deadline: dt.date | None
    done_on: dt.date | None
    is_open: bool  # still running: its target milestone is what the pathway waits for

    @property
    def days_left(self) -> int | None:
        if self.elapsed_days is None:
            return None
        return self.limit.days - self.elapsed_days

    @property
    def elapsed_weeks(self) -> float | None:
        return None if self.elapsed_days is None else self.elapsed_days / 7


@dataclass(frozen=True)
class PathwayState:
    status: str
    phase: str | None
    outcome: str
    started_on: dt.date | None
    ended_on: dt.date | None
    next_milestone: str | None
    next_deadline: dt.date | None
    next_limit: TimeLimit | None
    limits: tuple[LimitState, ...]
    done: dict  # milestone key -> effective event

    def days_left(self, today: dt.date) -> int | None:
        return None if self.next_deadline is None else (self.next_deadline - today).days


def deadline_state(days_left: int | None, at_risk_days: int) -> str | None:
    """Breached, at risk or running for an open deadline; shared by the worklist and the timeline."""
    if days_left is None:
        return None
    if days_left < 0:
        return BREACHED
    if days_left <= at_risk_days:
        return AT_RISK
    return RUNNING


def derive(definition: PathwayDefinition, effective: list[LoggedEvent], today: dt.date, at_risk_days: int) -> PathwayState:
    by_key = {e.key: e for e in effective}
    start = by_key.get(definition.start.key)
    end = by_key.get(definition.end.key)
    status = VOIDED if not effective else (ENDED if end else ACTIVE)

    limits = []
    for limit in definition.time_limits:
        frm = by_key.get(limit.from_milestone)
        to = by_key.get(limit.to_milestone)
        if to is not None and limit.to_outcome is not None and to.outcome != limit.to_outcome:
            to = None
        if frm is None:
            limits.append(LimitState(limit, NOT_STARTED, None, None, None, False))
            continue
        deadline = frm.date + dt.timedelta(days=limit.days)
        if to is not None:
            elapsed = (to.date - frm.date).days
            state = MET if elapsed <= limit.days else BREACHED
            limits.append(LimitState(limit, state, elapsed, deadline, to.date, False))
        elif end is not None:
            # Ended some other way: the limit was never reached. It is still a breach if the
            # deadline had passed before the end.
            elapsed = (end.date - frm.date).days
            state = BREACHED if elapsed > limit.days else NOT_MEASURED
            limits.append(LimitState(limit, state, elapsed, deadline, None, False))
        else:
            elapsed = (today - frm.date).days
            state = deadline_state(limit.days - elapsed, at_risk_days)
            limits.append(LimitState(limit, state, elapsed, deadline, None, True))

    open_limit = next((ls for ls in limits if ls.is_open), None)
    phase = None
    if status == ACTIVE:
        for event in effective:  # clinical order: the last milestone with a phase decides
            milestone = definition.milestones.get(event.key)
            if milestone is not None and milestone.phase:
                phase = milestone.phase
    return PathwayState(
        status=status,
        phase=phase,
        outcome=end.outcome if end else "",
        started_on=start.date if start else None,
        ended_on=end.date if end else None,
        next_milestone=open_limit.limit.to_milestone if open_limit else None,
        next_deadline=open_limit.deadline if open_limit else None,
        next_limit=open_limit.limit if open_limit else None,
        limits=tuple(limits),
        done=by_key,
    )
