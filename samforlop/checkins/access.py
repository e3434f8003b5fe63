from django.http import Http404

from samforlop.audit.models import log_access
from samforlop.checkins.models import CheckIn
from samforlop.core import clock
from samforlop.patients.models import Category, visibility_condition


def get_checkin_for_user(user, checkin_id, *, what: str, now) -> CheckIn:
    """The check-in if its patient is visible to `user` (the patient, or the care team); else 404."""
    condition = visibility_condition(user, clock.oslo_date(now), patient_field="patient_id", now=now,
                                     category=Category.CHECKINS)
    checkin = None if condition is None else (
        CheckIn.objects.filter(condition).select_related("patient").filter(pk=checkin_id).first())
    if checkin is None:
        log_access(user=user, what=what, at=now, requested_id=checkin_id, granted=False)
        raise Http404()
    log_access(user=user, what=what, at=now, patients=[checkin.patient])
    return checkin
