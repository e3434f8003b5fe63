from django.http import Http404

from samforlop.audit.models import log_access
from samforlop.core import clock
from samforlop.meetings.models import Meeting
from samforlop.patients.models import Category, visibility_condition


def get_meeting_for_user(user, meeting_id, *, what: str, now) -> Meeting:
    """The meeting if its patient is visible to `user` (care team, or the patient), else 404."""
    condition = visibility_condition(user, clock.oslo_date(now), patient_field="pathway__patient_id", now=now,
                                     category=Category.PLAN_AND_MEETINGS)
    meeting = None if condition is None else (
        Meeting.objects.filter(condition).select_related("pathway__patient", "pathway__clinic", "scheduled_by")
        .filter(pk=meeting_id).first())
    if meeting is None:
        log_access(user=user, what=what, at=now, requested_id=meeting_id, granted=False)
        raise Http404()
    log_access(user=user, what=what, at=now, patients=[meeting.pathway.patient])
    return meeting
