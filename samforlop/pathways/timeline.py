"""The pathway timeline as the patient page shows it: each milestone with the date it was done
or its deadline, and each time limit with elapsed/remaining weeks and its state."""

from __future__ import annotations

from dataclasses import dataclass

from samforlop.pathways import state as pathway_state
from samforlop.pathways.models import Pathway


@dataclass
class MilestoneRow:
    key: str
    name: object
    done_on: object | None
    deadline: object | None
    deadline_state: str | None
    is_next: bool


@dataclass
class Timeline:
    pathway: Pathway
    state: pathway_state.PathwayState
    milestones: list[MilestoneRow]
    limits: tuple
    events: list
    days_left: int | None
    deadline_state: str | None

    @property
    def outcome_name(self):
        outcome = self.pathway.definition.outcomes.get(self.state.outcome)
        return outcome.name if outcome else ""


def build_timeline(pathway: Pathway, events: list, today, at_risk_days: int) -> Timeline:
    definition = pathway.definition
    derived = pathway.derive(today, events)
    rows = []
    for milestone in definition.milestones.values():
        done = derived.done.get(milestone.key)
        is_next = derived.next_milestone == milestone.key
        deadline = derived.next_deadline if is_next else None
        days_left = (deadline - today).days if deadline else None
        name = definition.next_step_name(derived.next_limit) if is_next and derived.next_limit else milestone.name
        if done is not None and milestone.ends:
            outcome = definition.outcomes.get(done.outcome)
            name = f"{milestone.name}: {outcome.name}" if outcome else milestone.name
        rows.append(MilestoneRow(
            key=milestone.key, name=name, done_on=done.date if done else None, deadline=deadline,
            deadline_state=pathway_state.deadline_state(days_left, at_risk_days), is_next=is_next,
        ))
    days_left = derived.days_left(today)
    voided_ids = {e.voids_id for e in events if e.voids_id}
    for e in events:
        e.is_voided = e.pk in voided_ids
        e.milestone = definition.milestones.get(e.key)
        outcome = definition.outcomes.get(e.outcome)
        e.outcome_name = outcome.name if outcome else ""
    return Timeline(
        pathway=pathway, state=derived, milestones=rows, limits=derived.limits, events=events,
        days_left=days_left, deadline_state=pathway_state.deadline_state(days_left, at_risk_days),
    )
