from django.http import Http404

from samforlop.audit.models import log_access
from samforlop.checkins.models import CheckIn, TrainingSession
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


def get_training_session_for_user(user, session_id, *, what: str, now) -> TrainingSession:
    """A session of the patient's training diary (what they did, pain before and after: check-in
    data) if its patient is visible to `user` in `Category.CHECKINS`; else 404."""
    condition = visibility_condition(user, clock.oslo_date(now), patient_field="measure__plan__patient_id", now=now,
                                     category=Category.CHECKINS)
    session = None if condition is None else (
        TrainingSession.objects.filter(condition).select_related("measure__plan__patient").filter(pk=session_id)
        .first())
    if session is None:
        log_access(user=user, what=what, at=now, requested_id=session_id, granted=False)
        raise Http404()
    log_access(user=user, what=what, at=now, patients=[session.measure.plan.patient])
    return session
