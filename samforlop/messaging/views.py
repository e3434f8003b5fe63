from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import render
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_http_methods

from samforlop.accounts.models import User
from samforlop.messaging.actions import answer_patient, mark_read, write_to_contact_person
from samforlop.messaging.forms import AnswerForm, WriteForm

from samforlop.audit.models import log_access
from samforlop.core import clock
from samforlop.core.forms import show_refusal
from samforlop.messaging.models import Message


def messages_for(user):
    """Messages addressed to the user, to their organisation, or (for a patient) to them; and the
    ones the user wrote."""
    condition = Q(recipient_user=user) | Q(sender=user)
    if user.organisation_id:
        condition |= Q(recipient_organisation_id=user.organisation_id)
    if user.patient_id:
        condition |= Q(recipient_patient_id=user.patient_id)
    return Message.objects.filter(condition)


def _get_message_for_user(user, message_id, now) -> Message:
    message = messages_for(user).select_related("patient").filter(pk=message_id).first()
    if message is None:
        raise Http404()
    if message.patient_id:
        log_access(user=user, what="message", at=now, patients=[message.patient])
    return message


@require_GET
@login_required
def inbox(request):
    page = Paginator(
        messages_for(request.user).select_related("recipient_organisation", "recipient_user").order_by("-created_at"),
        25,
    ).get_page(request.GET.get("page"))
    return render(request, "messaging/inbox.html", {"page": page})


@require_http_methods(["GET", "POST"])
@login_required
def detail(request, message_id):
    now = clock.now()
    message = _get_message_for_user(request.user, message_id, now)
    mark_read(message=message, reader=request.user, now=now)
    may_answer = message.kind == "patient_message" and message.recipient_user_id == request.user.pk
    form = AnswerForm(request.POST or None) if may_answer else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            answer_patient(message=message, actor=request.user, now=now, **form.cleaned_data)
            return redirect("messaging:inbox")
        except ValidationError as e:
            form.add_error(None, e)
    return render(request, "messaging/detail.html", {"message": message, "form": form},
                  status=400 if request.method == "POST" else 200)


@require_http_methods(["GET", "POST"])
@login_required
def write(request):
    """A patient writes to one of their contact persons."""
    if request.user.patient_id is None:
        raise Http404()
    now = clock.now()
    patient = request.user.patient
    contacts = User.objects.filter(
        care_team_memberships__patient=patient, care_team_memberships__is_contact_person=True,
        care_team_memberships__valid_from__lte=clock.oslo_date(now)).distinct()
    form = WriteForm(request.POST or None, contacts=contacts)
    if request.method == "POST" and form.is_valid():
        try:
            write_to_contact_person(patient=patient, actor=request.user, now=now, **form.cleaned_data)
            return redirect("messaging:inbox")
        except ValidationError as e:
            show_refusal(form, e)
    return render(request, "messaging/write.html", {"form": form}, status=400 if request.method == "POST" else 200)


@require_GET
@login_required
def dev_mailbox(request):
    """Development only: the e-mail notices the outbox sends (they hold no health details)."""
    if not settings.DEBUG:
        raise Http404()
    from samforlop.messaging.actions import email_notice

    outgoing = []
    for message in Message.objects.exclude(to_address="").order_by("-created_at")[:200]:
        subject, body = email_notice(message)
        outgoing.append({"message": message, "subject": subject, "body": body})
    return render(request, "messaging/dev_mailbox.html", {"outgoing": outgoing})
