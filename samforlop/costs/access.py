"""The access helper for co-payments: 404 for what the user may not see, and every look-up logged."""

from django.http import Http404

from samforlop.audit.models import log_access
from samforlop.core import clock
from samforlop.costs.models import CoPayment
from samforlop.patients.models import Category, visibility_condition


def get_co_payment_for_user(user, co_payment_id, *, what: str, now, patient=None) -> CoPayment:
    """A co-payment of a patient whose plan the user may see (the patient: their own), of `patient` when
    given; else 404, logged as denied."""
    condition = visibility_condition(user, clock.oslo_date(now), patient_field="patient_id", now=now,
                                     category=Category.PLAN_AND_MEETINGS)
    co_payment = None
    if condition is not None:
        rows = CoPayment.objects.filter(condition).select_related("patient").filter(pk=co_payment_id)
        co_payment = (rows if patient is None else rows.filter(patient=patient)).first()
    if co_payment is None:
        log_access(user=user, what=what, at=now, requested_id=co_payment_id, granted=False)
        raise Http404()
    log_access(user=user, what=what, at=now, patients=[co_payment.patient])
    return co_payment
