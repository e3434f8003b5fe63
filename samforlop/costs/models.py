"""Costs the patient can see: co-payments against the co-payment ceiling (egenandelstak).

A co-payment (egenandel) the patient has paid is registered by the patient, or by staff who may see
the patient's plan when the patient tells them. A wrong entry is voided with a reason, never deleted,
so the sum for a year can always be explained."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CoPayment(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="co_payments")
    paid_on = models.DateField(_("Paid on"))
    amount_nok = models.PositiveIntegerField(_("Amount (kr)"))
    what = models.CharField(_("What it was for"), max_length=200)
    counts_toward_ceiling = models.BooleanField(_("Counts toward the co-payment ceiling"), default=True)
    # The measure in the patient's plan it paid for, if any: the measure's planned cost is reduced by it.
    measure = models.ForeignKey("careplan.Measure", verbose_name=_("Measure in the plan"), on_delete=models.PROTECT,
                                null=True, blank=True, related_name="co_payments")
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    registered_at = models.DateTimeField()
    submission_id = models.UUIDField(unique=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")
    void_reason = models.CharField(_("Why it is wrong"), max_length=300, blank=True)

    class Meta:
        ordering = ["paid_on", "registered_at"]
        indexes = [models.Index(fields=["patient", "paid_on"], name="co_payment_patient_paid_on")]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_nok__gt=0), name="co_payment_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.paid_on} {self.amount_nok} kr {self.what}"

    @property
    def is_voided(self) -> bool:
        return self.voided_at is not None
