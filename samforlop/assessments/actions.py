"""Named operations on the interdisciplinary assessment."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from samforlop.assessments.models import AssessmentEntry
from samforlop.audit.models import record_audit
from samforlop.pathways import actions as pathway_actions


class AssessmentError(ValidationError):
    pass


def start_assessment(*, pathway, date, actor, now, submission_id):
    """Tverrfaglig utredning start: registers the milestone (the first time limit stops)."""
    if actor.organisation_id != pathway.clinic_id:
        raise AssessmentError(_("Only the clinic running the pathway starts the assessment."))
    return pathway_actions.register_milestone(
        pathway=pathway, key="assessment_start", date=date, actor=actor, now=now, event_id=str(submission_id))


@transaction.atomic
def write_assessment_entry(
    *, pathway, section: str, text: str, actor, now, submission_id, employment: str = "",
    sick_leave_percent=None, nav_contact: str = "", financial_strain: str = "",
) -> AssessmentEntry:
    """A team member writes their part of a section; the record keeps who wrote what, and when."""
    if (existing := AssessmentEntry.objects.filter(submission_id=submission_id).first()) is not None:
        return existing
    if actor.organisation_id != pathway.clinic_id:
        raise AssessmentError(_("Only the interdisciplinary team writes in the assessment."))
    if "assessment_start" not in pathway.derive().done:
        raise AssessmentError(_("Start the assessment first."))
    errors = {}
    if section not in AssessmentEntry.Section.values:
        errors["section"] = [_("Choose a section.")]
    if not text.strip():
        errors["text"] = [_("Write your part.")]
    if sick_leave_percent is not None and not 0 <= sick_leave_percent <= 100:
        errors["sick_leave_percent"] = [_("Sick leave is a percentage from 0 to 100.")]
    if errors:
        raise AssessmentError(errors)
    work = section == AssessmentEntry.Section.WORK_AND_ECONOMY
    entry = AssessmentEntry.objects.create(
        pathway=pathway, section=section, text=text.strip(), author=actor, author_role=actor.role,
        organisation=actor.organisation, written_at=now, submission_id=submission_id,
        employment=employment if work else "", sick_leave_percent=sick_leave_percent if work else None,
        nav_contact=nav_contact if work else "", financial_strain=financial_strain if work else "",
    )
    record_audit(actor=actor, action="assessment_entry_written", obj=entry, at=now, section=section)
    if work and employment:
        _record_work_situation(entry, actor=actor, now=now)
    return entry


def _record_work_situation(entry, *, actor, now):
    """The work situation written in the assessment becomes the patient's current one, in the
    same transaction (nothing new when it is the same as now)."""
    from samforlop.work.actions import record_work_situation
    from samforlop.work.models import WorkSituation

    try:
        record_work_situation(patient=entry.pathway.patient, status=entry.employment,
                              sick_leave_percent=entry.sick_leave_percent, source=WorkSituation.Source.ASSESSMENT,
                              actor=actor, now=now, assessment_entry=entry)
    except ValidationError as e:
        # Named as the assessment form names them; the entry is not stored either.
        fields = {"status": "employment"}
        raise AssessmentError({fields.get(k, k): v for k, v in e.message_dict.items()}
                              if hasattr(e, "error_dict") else e.messages) from e
