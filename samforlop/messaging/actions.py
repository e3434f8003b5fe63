"""Queue and deliver messages. Queueing happens inside the operation that causes the message, in
the same transaction; delivery is `manage.py send_messages`, one message per step."""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from samforlop.core import clock
from samforlop.messaging.models import Message

MAX_ATTEMPTS = 5


def message_language():
    """Messages are written in the service's language (Norwegian), whoever's click sent them."""
    return translation.override(settings.LANGUAGE_CODE)


def queue_message(
    *, kind: str, subject: str, body: str, now, recipient_user=None, recipient_organisation=None,
    recipient_patient=None, patient=None, link: str = "", dedupe_key: str | None = None,
    attachment: tuple[str, str, str] | None = None, sender=None,
) -> Message:
    """Put a message in the outbox. The subject must name no health details."""
    if dedupe_key and (existing := Message.objects.filter(dedupe_key=dedupe_key).first()):
        return existing
    address = ""
    if recipient_user is not None:
        address = recipient_user.email
    elif recipient_organisation is not None:
        address = recipient_organisation.email
    elif recipient_patient is not None:
        address = recipient_patient.email
    return Message.objects.create(
        created_at=now, kind=kind, subject=subject, body=body, link=link, dedupe_key=dedupe_key, sender=sender,
        recipient_user=recipient_user, recipient_organisation=recipient_organisation,
        recipient_patient=recipient_patient, patient=patient, to_address=address,
        delivery=Message.Delivery.PENDING if address else Message.Delivery.NO_ADDRESS, next_attempt_at=now,
        **(dict(zip(("attachment_name", "attachment", "attachment_type"), attachment)) if attachment else {}),
    )


def email_notice(message: Message) -> tuple[str, str]:
    """The e-mail for a message: a neutral notice and a link, never the message text itself."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("New message in Samforløp")
        body = _(
            "You have a new message in Samforløp.\n\nLog in to read it: %(url)s\n\n"
            "This e-mail contains no health information. Do not reply to it."
        ) % {"url": settings.SITE_URL + (message.link or "/messages/")}
    return subject, body


def deliver_next(now) -> Message | None:
    """Send the oldest due message by e-mail; None when nothing is due."""
    with transaction.atomic():
        message = (
            Message.objects.select_for_update(skip_locked=True)
            .filter(delivery=Message.Delivery.PENDING, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "created_at")
            .first()
        )
        if message is None:
            return None
        subject, body = email_notice(message)
        message.attempts += 1
        email = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [message.to_address])
        if message.attachment_name:
            email.attach(message.attachment_name, message.attachment, message.attachment_type)
        try:
            email.send()
        except Exception as e:  # noqa: BLE001 - any backend failure is retried later
            message.last_error = f"{type(e).__name__}: {e}"[:1000]
            if message.attempts >= MAX_ATTEMPTS:
                message.delivery = Message.Delivery.FAILED
            else:
                message.next_attempt_at = now + dt.timedelta(minutes=2 ** message.attempts)
        else:
            message.delivery = Message.Delivery.SENT
            message.sent_at = now
            message.last_error = ""
        message.save(update_fields=["attempts", "delivery", "sent_at", "last_error", "next_attempt_at"])
        return message


@transaction.atomic
def write_to_contact_person(*, patient, contact_person, text: str, actor, now, submission_id) -> Message:
    """The patient writes to one of their contact persons."""
    from samforlop.patients.models import CareTeamMember, active_on

    key = f"patient_message:{submission_id}"
    if (existing := Message.objects.filter(dedupe_key=key).first()) is not None:
        return existing
    if actor.patient_id != patient.pk:
        raise ValidationError(_("Only the patient writes from their own page."))
    if not CareTeamMember.objects.filter(active_on(clock.oslo_date(now)), patient=patient, person=contact_person,
                                         is_contact_person=True).exists():
        raise ValidationError({"contact_person": [_("Choose one of your contact persons.")]})
    if not text.strip():
        raise ValidationError({"text": [_("Write your message.")]})
    with message_language():
        return queue_message(kind="patient_message", recipient_user=contact_person, patient=patient, sender=actor,
                             now=now, subject=_("Message from a patient"), body=text.strip(),
                             link="/messages/", dedupe_key=key)


@transaction.atomic
def answer_patient(*, message: Message, text: str, actor, now, submission_id) -> Message:
    """A contact person answers a patient's message."""
    key = f"patient_answer:{submission_id}"
    if (existing := Message.objects.filter(dedupe_key=key).first()) is not None:
        return existing
    if message.kind != "patient_message" or message.recipient_user_id != actor.pk:
        raise ValidationError(_("You can answer messages sent to you by a patient."))
    if not text.strip():
        raise ValidationError({"text": [_("Write your answer.")]})
    with message_language():
        return queue_message(kind="contact_answer", recipient_patient=message.patient, patient=message.patient,
                             sender=actor, now=now, subject=_("Answer from your contact person"), body=text.strip(),
                             link="/messages/", dedupe_key=key)


def mark_read(*, message: Message, reader, now) -> None:
    """The recipient has opened it (only a message to the person themself has a read mark)."""
    if message.recipient_user_id == reader.pk and message.read_at is None:
        Message.objects.filter(pk=message.pk, read_at__isnull=True).update(read_at=now)
