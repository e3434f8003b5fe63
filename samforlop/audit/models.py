"""The access log (who read which patient's data) and the audit trail (who changed what).

Both are append-only. The access log is what the patient will read (Normen: the patient's right to
see who accessed their data), so every row names the person, their organisation and role.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnly(models.Model):
    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise RuntimeError(f"{type(self).__name__} rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError(f"{type(self).__name__} rows are append-only")


class AccessLog(AppendOnly):
    """One read (or refused read) of a patient's data."""

    class Outcome(models.TextChoices):
        GRANTED = "granted", _("granted")
        DENIED = "denied", _("denied")

    at = models.DateTimeField(_("when"), db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, null=True, related_name="+"
    )
    role = models.CharField(_("role"), max_length=32, blank=True)
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, null=True, related_name="access_log"
    )
    # The id that was asked for, kept also when no such patient exists (a probe is worth seeing).
    requested_id = models.UUIDField(null=True)
    what = models.CharField(_("what"), max_length=64)
    outcome = models.CharField(_("outcome"), max_length=8, choices=Outcome.choices)
    # Tamper evidence: each row's hash covers its content and the previous row's hash.
    prev_hash = models.CharField(max_length=64, default="")
    hash = models.CharField(max_length=64, default="")

    class Meta:
        indexes = [models.Index(fields=["patient", "at"])]

    def content_hash(self, prev_hash: str) -> str:
        import hashlib

        fields = [prev_hash, self.at.isoformat(), str(self.user_id or ""), str(self.organisation_id or ""), self.role,
                  str(self.patient_id or ""), str(self.requested_id or ""), self.what, self.outcome]
        return hashlib.sha256("\x1f".join(fields).encode()).hexdigest()


class ChainHead(models.Model):
    """The last access-log hash; locked while rows are appended, so the chain never forks."""

    name = models.CharField(max_length=32, unique=True)
    hash = models.CharField(max_length=64, default="")
    count = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_id} {self.what} {self.outcome}"


class AuditEntry(AppendOnly):
    """One change, written by the named operation that made it, in the same transaction."""

    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    data = models.JSONField(default=dict)

    class Meta:
        indexes = [models.Index(fields=["object_type", "object_id"])]


def log_access(*, user, what: str, at, patients=(), requested_id=None, granted: bool = True) -> None:
    """Append access-log rows: one per patient read, or one refused request.

    Bulk insert: a worklist page logs all its patients in one query.
    """
    organisation_id = getattr(user, "organisation_id", None)
    role = getattr(user, "role", "") or ""
    user_id = user.pk if getattr(user, "is_authenticated", False) else None
    outcome = AccessLog.Outcome.GRANTED if granted else AccessLog.Outcome.DENIED
    rows = [
        AccessLog(
            at=at, user_id=user_id, organisation_id=organisation_id, role=role,
            patient=p, requested_id=p.pk, what=what, outcome=outcome,
        )
        for p in patients
    ]
    if not rows:
        rows = [
            AccessLog(
                at=at, user_id=user_id, organisation_id=organisation_id, role=role,
                patient=None, requested_id=requested_id, what=what, outcome=outcome,
            )
        ]
    from django.db import transaction

    with transaction.atomic(savepoint=False):
        head = ChainHead.objects.select_for_update().filter(name="access_log").first()
        if head is None:  # created by the migration; only an emptied database lacks it
            head = ChainHead.objects.create(name="access_log")
        for row in rows:
            row.prev_hash = head.hash
            row.hash = head.hash = row.content_hash(row.prev_hash)
        AccessLog.objects.bulk_create(rows)
        head.count += len(rows)
        head.save(update_fields=["hash", "count"])


def verify_access_log() -> list[str]:
    """Problems found in the hash chain, naming the rows; empty when the log is intact."""
    problems, previous, count = [], "", 0
    for row in AccessLog.objects.order_by("pk").iterator(chunk_size=5000):
        count += 1
        if row.prev_hash != previous:
            problems.append(f"row {row.pk}: the row before it was deleted or changed")
        if row.content_hash(row.prev_hash) != row.hash:
            problems.append(f"row {row.pk}: its content was changed")
        previous = row.hash
    head = ChainHead.objects.filter(name="access_log").first()
    if head is not None and (head.hash != previous or head.count != count):
        problems.append(f"the last rows were deleted ({head.count} written, {count} found)")
    return problems


def record_audit(*, actor, action: str, at, obj=None, object_type: str = "", object_id: str = "", **data) -> AuditEntry:
    """Append the audit row for a change; `obj` names the changed row, or give type and id."""
    return AuditEntry.objects.create(
        at=at,
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else object_type,
        object_id=str(obj.pk) if obj is not None else object_id,
        data=data,
    )
