"""Named operations on co-payments: register one the patient has paid, void a wrong one. Each checks
who may do it, writes an audit row and, when the registered co-payments reach the year's ceiling, tells
the patient -- in one transaction with the change."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils.translation import gettext as _

from samforlop.audit.models import record_audit
from samforlop.core import clock
from samforlop.costs.models import CoPayment
from samforlop.costs.rules import get_rules
from samforlop.messaging.actions import message_language, queue_message
from samforlop.patients.models import Category, Patient


class CostError(ValidationError):
    pass


def may_register(actor, patient, now) -> bool:
    """The patient themselves, or staff who may see the patient's plan (relatives may not)."""
    if getattr(actor, "patient_id", None) is not None:
        return actor.patient_id == patient.pk
    if getattr(actor, "organisation_id", None) is None:
        return False
    return Patient.objects.visible_to(actor, clock.oslo_date(now), Category.PLAN_AND_MEETINGS).filter(
        pk=patient.pk).exists()


def _registered_counting(patient, year: int) -> int:
    return CoPayment.objects.filter(patient=patient, paid_on__year=year, counts_toward_ceiling=True,
                                    voided_at__isnull=True).aggregate(total=Sum("amount_nok"))["total"] or 0


@transaction.atomic
def register_co_payment(
    *, patient, paid_on, amount_nok, what: str, counts_toward_ceiling: bool = True, measure=None, actor, now,
    submission_id,
) -> CoPayment:
    """A co-payment (egenandel) the patient has paid, registered by the patient or by staff they told."""
    if (existing := CoPayment.objects.filter(submission_id=submission_id).first()) is not None:
        return existing
    if not may_register(actor, patient, now):
        raise CostError(_("You may not register co-payments for this patient."))
    today = clock.oslo_date(now)
    errors: dict[str, list[str]] = {}
    if paid_on is None:
        errors["paid_on"] = [_("Give the date it was paid.")]
    elif paid_on > today:
        errors["paid_on"] = [_("The date it was paid cannot be in the future.")]
    if not isinstance(amount_nok, int) or isinstance(amount_nok, bool) or amount_nok <= 0:
        errors["amount_nok"] = [_("Give the amount paid in whole kroner, more than 0.")]
    if not (what or "").strip():
        errors["what"] = [_("Say what it was for (for example “GP appointment”).")]
    if measure is not None and measure.plan.patient_id != patient.pk:
        errors["measure"] = [_("The measure is not in this patient's plan.")]
    if errors:
        raise CostError(errors)
    counts = bool(counts_toward_ceiling)
    before = _registered_counting(patient, paid_on.year) if counts else 0
    co_payment = CoPayment.objects.create(
        patient=patient, paid_on=paid_on, amount_nok=amount_nok, what=what.strip()[:200], counts_toward_ceiling=counts,
        measure=measure, registered_by=actor, registered_at=now, submission_id=submission_id)
    record_audit(actor=actor, action="co_payment_registered", obj=co_payment, at=now, patient=str(patient.pk),
                 paid_on=paid_on.isoformat(), amount_nok=amount_nok, counts_toward_ceiling=counts,
                 measure=str(measure.pk) if measure else None)
    ceiling = get_rules().ceiling_for(paid_on.year)
    if counts and ceiling is not None and before < ceiling <= before + amount_nok:
        _tell_ceiling_reached(patient, paid_on.year, ceiling, now)
    return co_payment


def _tell_ceiling_reached(patient, year: int, ceiling: int, now) -> None:
    with message_language():
        queue_message(
            kind="co_payment_ceiling_reached", recipient_patient=patient, patient=patient, now=now,
            subject=_("About your co-payments"), link=f"{reverse('costs:mine')}?year={year}",
            dedupe_key=f"co_payment_ceiling:{patient.pk}:{year}",
            body=_("The co-payments registered for you in %(year)s have reached the co-payment ceiling of "
                   "%(ceiling)s kr. The exemption card (frikort) is sent automatically; if you have not got it, "
                   "contact HELFO.") % {"year": year, "ceiling": ceiling})


@transaction.atomic
def void_co_payment(*, co_payment: CoPayment, reason: str, actor, now) -> CoPayment:
    """A wrong entry is voided with a reason, never deleted. Voiding it again changes nothing."""
    if not may_register(actor, co_payment.patient, now):
        raise CostError(_("You may not change this patient's co-payments."))
    if co_payment.voided_at is not None:
        return co_payment
    if not (reason or "").strip():
        raise CostError({"reason": [_("Say why the entry is wrong.")]})
    changed = CoPayment.objects.filter(pk=co_payment.pk, voided_at__isnull=True).update(
        voided_at=now, voided_by=actor, void_reason=reason.strip()[:300])
    co_payment.refresh_from_db()
    if changed:
        record_audit(actor=actor, action="co_payment_voided", obj=co_payment, at=now,
                     patient=str(co_payment.patient_id), reason=co_payment.void_reason)
    return co_payment
