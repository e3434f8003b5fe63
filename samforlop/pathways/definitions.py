"""Pathway definitions: rules as data, read from TOML and validated at start-up.

A definition names the phases, the milestone events and their codes, the time limits ("from
milestone A to milestone B within N calendar weeks") and the outcomes a pathway can end with.
Nothing about a particular pathway type is written in Python.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils.translation import get_language

# A correction that only cancels an earlier event uses this key instead of a milestone key.
VOID = "void"


class DefinitionError(Exception):
    """A pathway definition file is wrong; the message names the file and the place."""


@dataclass(frozen=True)
class Text:
    nb: str
    en: str

    def __str__(self) -> str:
        return self.en if (get_language() or "nb").startswith("en") else self.nb


@dataclass(frozen=True)
class Phase:
    key: str
    name: Text


@dataclass(frozen=True)
class Milestone:
    key: str
    code: str
    name: Text
    phase: str | None
    requires: tuple[str, ...] = ()
    not_after: tuple[str, ...] = ()
    starts: bool = False
    ends: bool = False


@dataclass(frozen=True)
class Outcome:
    key: str
    code: str
    name: Text
    requires: tuple[str, ...] = ()
    not_after: tuple[str, ...] = ()


@dataclass(frozen=True)
class TimeLimit:
    key: str
    name: Text
    from_milestone: str
    to_milestone: str
    weeks: int
    to_outcome: str | None = None
    next_step: Text | None = None

    @property
    def days(self) -> int:
        return 7 * self.weeks


REFERRAL_FIELDS_BY_RULE = {
    # The referral fields each kind of criterion may read (checked at start-up).
    "at_least": {"pain_duration_months"},
    "any_yes": {"function_reduced", "quality_of_life_reduced"},
}
TREATMENT_KINDS = ("physiotherapy", "frisklivssentral", "medication", "psychological", "other")


@dataclass(frozen=True)
class EntryCriterion:
    key: str
    name: Text
    rule: str
    field: str = ""
    value: int = 0
    fields: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReferralRules:
    start_date: str = "received"
    assessment_working_days: int = 10
    close_working_days: int = 3
    pause_while_with_referrer: bool = False
    time_frame_limit: str | None = None


MEETING_ROLES = ("patient", "team_member", "gp", "physiotherapist", "nav", "relative", "other")


@dataclass(frozen=True)
class MeetingTemplate:
    """A collaboration meeting (samhandlingsmøte): holding it registers `milestone` (with `outcome`)."""

    key: str
    name: Text
    milestone: str
    agenda: Text
    outcome: str | None = None
    required_roles: tuple[str, ...] = ("patient", "team_member")
    invited_by_default: tuple[str, ...] = ("gp", "physiotherapist", "nav")


@dataclass(frozen=True)
class PathwayDefinition:
    key: str
    code: str
    name: Text
    clinic_kinds: tuple[str, ...]
    phases: dict[str, Phase]
    milestones: dict[str, Milestone]
    outcomes: dict[str, Outcome]
    time_limits: tuple[TimeLimit, ...]
    referral: ReferralRules = ReferralRules()
    entry_criteria: tuple[EntryCriterion, ...] = ()
    meetings: tuple[MeetingTemplate, ...] = ()
    source: str = field(default="", compare=False)

    @property
    def start(self) -> Milestone:
        return next(m for m in self.milestones.values() if m.starts)

    @property
    def end(self) -> Milestone:
        return next(m for m in self.milestones.values() if m.ends)

    def next_step_name(self, limit: TimeLimit) -> Text:
        return limit.next_step or self.milestones[limit.to_milestone].name

    def time_limit(self, key: str | None) -> TimeLimit | None:
        return next((t for t in self.time_limits if t.key == key), None)

    def meeting(self, key: str) -> MeetingTemplate | None:
        return next((m for m in self.meetings if m.key == key), None)


def _text(value, where: str) -> Text:
    if not isinstance(value, dict) or not isinstance(value.get("nb"), str) or not isinstance(value.get("en"), str):
        raise DefinitionError(f"{where}: needs a name in both languages, e.g. {{ nb = \"…\", en = \"…\" }}")
    return Text(nb=value["nb"], en=value["en"])


def _keys(value, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise DefinitionError(f"{where}: must be a list of keys")
    return tuple(value)


def _require(table: dict, name: str, kind: type, where: str):
    if name not in table:
        raise DefinitionError(f"{where}: '{name}' is missing")
    if not isinstance(table[name], kind):
        raise DefinitionError(f"{where}: '{name}' must be a {kind.__name__}")
    return table[name]


def parse_definition(data: dict, source: str = "<string>") -> PathwayDefinition:
    """Build and check one definition; DefinitionError names what is wrong and where."""
    w = source
    key = _require(data, "key", str, w)
    phases = {}
    for i, p in enumerate(data.get("phases", [])):
        pw = f"{w}: phases[{i}]"
        phases[_require(p, "key", str, pw)] = Phase(p["key"], _text(p.get("name"), pw))

    milestones: dict[str, Milestone] = {}
    for i, m in enumerate(data.get("milestones", [])):
        mw = f"{w}: milestones[{i}]"
        mkey = _require(m, "key", str, mw)
        if mkey in milestones or mkey == VOID:
            raise DefinitionError(f"{mw}: milestone key '{mkey}' is used twice or reserved")
        phase = m.get("phase")
        if phase is not None and phase not in phases:
            raise DefinitionError(f"{mw}: unknown phase '{phase}'")
        milestones[mkey] = Milestone(
            key=mkey, code=_require(m, "code", str, mw), name=_text(m.get("name"), mw), phase=phase,
            requires=_keys(m.get("requires"), f"{mw}.requires"),
            not_after=_keys(m.get("not_after"), f"{mw}.not_after"),
            starts=bool(m.get("starts", False)), ends=bool(m.get("ends", False)),
        )
    starts = [m.key for m in milestones.values() if m.starts]
    ends = [m.key for m in milestones.values() if m.ends]
    if len(starts) != 1 or len(ends) != 1:
        raise DefinitionError(f"{w}: needs exactly one milestone with starts = true and one with ends = true")

    outcomes: dict[str, Outcome] = {}
    for i, o in enumerate(data.get("outcomes", [])):
        ow = f"{w}: outcomes[{i}]"
        okey = _require(o, "key", str, ow)
        if okey in outcomes:
            raise DefinitionError(f"{ow}: outcome key '{okey}' is used twice")
        outcomes[okey] = Outcome(
            key=okey, code=_require(o, "code", str, ow), name=_text(o.get("name"), ow),
            requires=_keys(o.get("requires"), f"{ow}.requires"),
            not_after=_keys(o.get("not_after"), f"{ow}.not_after"),
        )
    if not outcomes:
        raise DefinitionError(f"{w}: needs at least one outcome")

    for holder, where in [(m, "milestone") for m in milestones.values()] + [(o, "outcome") for o in outcomes.values()]:
        for ref in holder.requires + holder.not_after:
            if ref not in milestones:
                raise DefinitionError(f"{w}: {where} '{holder.key}' refers to unknown milestone '{ref}'")

    limits = []
    for i, t in enumerate(data.get("time_limits", [])):
        tw = f"{w}: time_limits[{i}]"
        weeks = _require(t, "weeks", int, tw)
        if weeks <= 0:
            raise DefinitionError(f"{tw}: weeks must be positive")
        limit = TimeLimit(
            key=_require(t, "key", str, tw), name=_text(t.get("name"), tw),
            from_milestone=_require(t, "from", str, tw), to_milestone=_require(t, "to", str, tw),
            weeks=weeks, to_outcome=t.get("to_outcome"),
            next_step=_text(t["next_step"], f"{tw}.next_step") if "next_step" in t else None,
        )
        for ref in (limit.from_milestone, limit.to_milestone):
            if ref not in milestones:
                raise DefinitionError(f"{tw}: unknown milestone '{ref}'")
        if limit.to_outcome is not None and limit.to_outcome not in outcomes:
            raise DefinitionError(f"{tw}: unknown outcome '{limit.to_outcome}'")
        limits.append(limit)
    if len({lim.key for lim in limits}) != len(limits):
        raise DefinitionError(f"{w}: time limit keys must be unique")

    referral = _referral_rules(data.get("referral", {}), {t.key for t in limits}, f"{w}: referral")
    criteria = tuple(_entry_criterion(c, f"{w}: entry_criteria[{i}]") for i, c in enumerate(data.get("entry_criteria", [])))
    if len({c.key for c in criteria}) != len(criteria):
        raise DefinitionError(f"{w}: entry criterion keys must be unique")

    meetings = tuple(_meeting(m, milestones, outcomes, f"{w}: meetings[{i}]") for i, m in enumerate(data.get("meetings", [])))
    if len({m.key for m in meetings}) != len(meetings):
        raise DefinitionError(f"{w}: meeting keys must be unique")

    return PathwayDefinition(
        referral=referral, entry_criteria=criteria, meetings=meetings,
        key=key, code=_require(data, "code", str, w), name=_text(data.get("name"), w),
        clinic_kinds=_keys(data.get("clinic_kinds"), f"{w}: clinic_kinds"),
        phases=phases, milestones=milestones, outcomes=outcomes, time_limits=tuple(limits), source=source,
    )


def _referral_rules(table: dict, limit_keys: set, where: str) -> ReferralRules:
    rules = ReferralRules(
        start_date=table.get("start_date", "received"),
        assessment_working_days=table.get("assessment_working_days", 10),
        close_working_days=table.get("close_working_days", 3),
        pause_while_with_referrer=table.get("pause_while_with_referrer", False),
        time_frame_limit=table.get("time_frame_limit"),
    )
    if rules.start_date not in ("received", "decided"):
        raise DefinitionError(f"{where}: start_date must be \"received\" or \"decided\"")
    for name in ("assessment_working_days", "close_working_days"):
        value = getattr(rules, name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise DefinitionError(f"{where}: {name} must be a whole number of days")
    if not isinstance(rules.pause_while_with_referrer, bool):
        raise DefinitionError(f"{where}: pause_while_with_referrer must be true or false")
    if rules.time_frame_limit is not None and rules.time_frame_limit not in limit_keys:
        raise DefinitionError(f"{where}: time_frame_limit '{rules.time_frame_limit}' is not a time limit")
    return rules


def _meeting(m: dict, milestones: dict, outcomes: dict, where: str) -> MeetingTemplate:
    template = MeetingTemplate(
        key=_require(m, "key", str, where), name=_text(m.get("name"), where),
        milestone=_require(m, "milestone", str, where), agenda=_text(m.get("agenda"), f"{where}.agenda"),
        outcome=m.get("outcome"),
        required_roles=_keys(m.get("required_roles", ["patient", "team_member"]), f"{where}.required_roles"),
        invited_by_default=_keys(m.get("invited_by_default", ["gp", "physiotherapist", "nav"]), f"{where}.invited_by_default"),
    )
    if template.milestone not in milestones:
        raise DefinitionError(f"{where}: unknown milestone '{template.milestone}'")
    if template.outcome is not None and template.outcome not in outcomes:
        raise DefinitionError(f"{where}: unknown outcome '{template.outcome}'")
    if milestones[template.milestone].ends and template.outcome is None:
        raise DefinitionError(f"{where}: a meeting that ends the pathway needs an outcome")
    for role in template.required_roles + template.invited_by_default:
        if role not in MEETING_ROLES:
            raise DefinitionError(f"{where}: unknown role '{role}' (one of {', '.join(MEETING_ROLES)})")
    return template


def _entry_criterion(c: dict, where: str) -> EntryCriterion:
    rule = _require(c, "rule", str, where)
    criterion = EntryCriterion(
        key=_require(c, "key", str, where), name=_text(c.get("name"), where), rule=rule,
        field=c.get("field", ""), value=c.get("value", 0),
        fields=_keys(c.get("fields"), f"{where}.fields"), kinds=_keys(c.get("kinds"), f"{where}.kinds"),
    )
    if rule == "at_least":
        if criterion.field not in REFERRAL_FIELDS_BY_RULE["at_least"] or not isinstance(criterion.value, int):
            raise DefinitionError(f"{where}: at_least needs a number field ({', '.join(sorted(REFERRAL_FIELDS_BY_RULE['at_least']))}) and a whole-number value")
    elif rule == "any_yes":
        if not criterion.fields or not set(criterion.fields) <= REFERRAL_FIELDS_BY_RULE["any_yes"]:
            raise DefinitionError(f"{where}: any_yes needs fields among {', '.join(sorted(REFERRAL_FIELDS_BY_RULE['any_yes']))}")
    elif rule == "treatment_tried":
        if not criterion.kinds or not set(criterion.kinds) <= set(TREATMENT_KINDS):
            raise DefinitionError(f"{where}: treatment_tried needs kinds among {', '.join(TREATMENT_KINDS)}")
    else:
        raise DefinitionError(f"{where}: unknown rule '{rule}' (at_least, any_yes, treatment_tried)")
    return criterion


def load_directory(directory: Path) -> dict[str, PathwayDefinition]:
    definitions = {}
    for path in sorted(directory.glob("*.toml")):
        if path.name == "codesystems.toml":
            continue
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as e:
            raise DefinitionError(f"{path.name}: not valid TOML: {e}") from e
        definition = parse_definition(data, source=path.name)
        if definition.key in definitions:
            raise DefinitionError(f"{path.name}: pathway key '{definition.key}' is defined twice")
        if definition.key != path.stem:
            raise DefinitionError(f"{path.name}: key '{definition.key}' must match the file name")
        definitions[definition.key] = definition
    return definitions


@cache
def all_definitions() -> dict[str, PathwayDefinition]:
    return load_directory(Path(settings.PATHWAY_DEFINITIONS_DIR))


def get_definition(key: str) -> PathwayDefinition:
    return all_definitions()[key]
