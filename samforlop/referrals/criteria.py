"""Entry criteria from the pathway definition, applied to a referral."""

from dataclasses import dataclass

from samforlop.pathways.definitions import EntryCriterion


@dataclass(frozen=True)
class CriterionResult:
    criterion: EntryCriterion
    met: bool | None  # None: the referral does not answer it yet

    @property
    def name(self):
        return self.criterion.name


def evaluate(referral, treatments) -> list[CriterionResult]:
    kinds = {t.kind for t in treatments}
    results = []
    for criterion in referral.definition.entry_criteria:
        if criterion.rule == "at_least":
            value = getattr(referral, criterion.field)
            met = None if value is None else value >= criterion.value
        elif criterion.rule == "any_yes":
            answers = [getattr(referral, f) for f in criterion.fields]
            met = True if "yes" in answers else (None if "" in answers else False)
        else:  # treatment_tried
            met = bool(kinds & set(criterion.kinds)) if treatments else None
        results.append(CriterionResult(criterion, met))
    return results
