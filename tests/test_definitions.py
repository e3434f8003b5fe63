"""Pathway definitions are data, validated at start-up with errors that say where."""

import tomllib
from pathlib import Path

import pytest
from django.conf import settings

from samforlop.pathways.definitions import DefinitionError, all_definitions, load_directory, parse_definition

SMERTE = Path(settings.PATHWAY_DEFINITIONS_DIR) / "smerte.toml"


def smerte():
    return tomllib.loads(SMERTE.read_text(encoding="utf-8"))


def test_shipped_definitions_load():
    definitions = all_definitions()
    assert set(definitions) == {"smerte", "revma"}
    pain = definitions["smerte"]
    assert [m for m in pain.milestones] == [
        "pathway_start", "mapping_consultation", "assessment_start", "summarizing_meeting", "pathway_end"]
    assert list(pain.outcomes) == ["followup_meeting_held", "transferred", "other_reasons", "not_included"]
    assert [(t.key, t.from_milestone, t.to_milestone, t.weeks) for t in pain.time_limits] == [
        ("referral_to_assessment", "pathway_start", "assessment_start", 12),
        ("assessment_time", "assessment_start", "summarizing_meeting", 12),
        ("summarizing_to_followup", "summarizing_meeting", "pathway_end", 26),
    ]
    assert pain.time_limits[2].to_outcome == "followup_meeting_held"
    assert all(m.code for m in pain.milestones.values()) and all(o.code for o in pain.outcomes.values())


@pytest.mark.parametrize("break_it, message", [
    (lambda d: d["time_limits"][0].pop("weeks"), "time_limits[0]: 'weeks' is missing"),
    (lambda d: d["time_limits"][0].update(weeks="12"), "'weeks' must be a int"),
    (lambda d: d["time_limits"][1].update(to="nowhere"), "time_limits[1]: unknown milestone 'nowhere'"),
    (lambda d: d["milestones"][3].update(requires=["ghost"]), "refers to unknown milestone 'ghost'"),
    (lambda d: d["milestones"][0].update(phase="limbo"), "milestones[0]: unknown phase 'limbo'"),
    (lambda d: d["milestones"][1].pop("name"), "needs a name in both languages"),
    (lambda d: d["milestones"][4].pop("ends"), "exactly one milestone with starts = true and one with ends"),
    (lambda d: d["time_limits"][2].update(to_outcome="party"), "unknown outcome 'party'"),
])
def test_definition_errors_name_the_place(break_it, message):
    data = smerte()
    break_it(data)
    with pytest.raises(DefinitionError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_definition(data, source="smerte.toml")


def test_invalid_toml_is_reported_with_the_file_name(tmp_path):
    (tmp_path / "broken.toml").write_text("key = \n", encoding="utf-8")
    with pytest.raises(DefinitionError, match="broken.toml: not valid TOML"):
        load_directory(tmp_path)


def test_key_must_match_the_file_name(tmp_path):
    (tmp_path / "other.toml").write_text(SMERTE.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(DefinitionError, match="must match the file name"):
        load_directory(tmp_path)
