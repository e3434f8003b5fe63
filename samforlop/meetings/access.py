from django.http import Http404

from samforlop.audit.models import log_access
from samforlop.core import clock
from samforlop.meetings.models import Decision, Meeting
from samforlop.patients.models import visibility_condition


def get_meeting_for_user(user, meeting_id, *, what: str, now, category: str) -> Meeting:
    """The meeting if its patient is visible to `user` in `category` (care team, or the patient;
    NAV and user organisations with consent to share plan and meetings), else 404."""
    condition = visibility_condition(user, clock.oslo_date(now), patient_field="pathway__patient_id", now=now,
                                     category=category)
    meeting = None if condition is None else (
        Meeting.objects.filter(condition).select_related("pathway__patient", "pathway__clinic", "scheduled_by")
        .filter(pk=meeting_id).first())
    if meeting is None:
        log_access(user=user, what=what, at=now, requested_id=meeting_id, granted=False)
        raise Http404()
    log_access(user=user, what=what, at=now, patients=[meeting.pathway.patient])
    return meeting


def get_decision_for_user(user, decision_id, *, what: str, now, category: str) -> Decision:
    """A decision in a meeting's minutes, if its patient is visible to `user` in `category`; else 404."""
    condition = visibility_condition(user, clock.oslo_date(now), patient_field="meeting__pathway__patient_id",
                                     now=now, category=category)
    decision = None if condition is None else (
        Decision.objects.filter(condition).select_related("meeting__pathway__patient", "meeting__pathway__clinic")
        .filter(pk=decision_id).first())
    if decision is None:  # (the access log keeps requested ids as UUIDs; a decision's is a number)
        log_access(user=user, what=what, at=now, granted=False)
        raise Http404()
    log_access(user=user, what=what, at=now, patients=[decision.meeting.pathway.patient])
    return decision
