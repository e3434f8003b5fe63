"""The access helper for letters to the employer: 404 for what the user may not see, and every
read access-logged (granted or denied)."""

from django.http import Http404

from samforlop.audit.models import log_access
from samforlop.core import clock
from samforlop.patients.models import Category, visibility_condition
from samforlop.work.models import EmployerLetter


def get_employer_letter_for_user(user, letter_id, *, what: str, now, patient_id=None,
                                 approved: bool = False) -> EmployerLetter:
    """The letter if `user` may see the patient's work section (the patient themselves, health
    personnel on the care team, NAV with the patient's consent to share work); with `approved`,
    only while the patient's consent to release it is in force. Else 404."""
    condition = visibility_condition(user, clock.oslo_date(now), patient_field="patient_id", now=now,
                                     category=Category.WORK)
    letters = EmployerLetter.objects.none() if condition is None else EmployerLetter.objects.filter(condition)
    if patient_id is not None:
        letters = letters.filter(patient_id=patient_id)
    if approved:
        letters = letters.filter(status=EmployerLetter.Status.APPROVED, releases__ended_at__isnull=True)
    letter = letters.select_related("patient", "created_by", "changed_by").filter(pk=letter_id).first()
    if letter is None:
        # Only to attribute the denial to the patient in their access log; nothing is shown.
        existing = list(EmployerLetter.objects.filter(pk=letter_id).select_related("patient"))
        log_access(user=user, what=what, at=now, patients=[e.patient for e in existing], requested_id=letter_id,
                   granted=False)
        raise Http404()
    log_access(user=user, what=what, at=now, patients=[letter.patient])
    return letter
