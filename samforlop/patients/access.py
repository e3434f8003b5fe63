"""The access helpers every view calls first (cf. Healthchecks' _get_check_for_user).

A patient the user may not see and a patient that does not exist give the same 404; both are
written to the access log as denied.
"""

from django.http import Http404

from samforlop.audit.models import log_access
from samforlop.core import clock
from samforlop.patients.models import Patient


def get_patient_for_user(user, patient_id, *, what: str, category: str, now=None) -> Patient:
    """The patient if `user` may see their data in `category` (see patients.models.ACCESS_SCOPES), else 404."""
    now = now or clock.now()
    patient = (
        Patient.objects.visible_to(user, clock.oslo_date(now), category).filter(pk=patient_id).select_related("gp").first()
    )
    if patient is None:
        # Only to attribute the denial to the patient in their access log; nothing is shown.
        existing = list(Patient.objects.filter(pk=patient_id).only("pk"))
        log_access(user=user, what=what, at=now, patients=existing, requested_id=patient_id, granted=False)
        raise Http404()
    log_access(user=user, what=what, at=now, patients=[patient])
    return patient
