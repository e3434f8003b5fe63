"""Shared form pieces."""

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _


class SubmissionIdField(forms.UUIDField):
    """A hidden, per-render id that makes a double-submitted form create one row.

    The operation stores the id with what it creates; a second submission with the same id finds
    the first row and creates nothing.
    """

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("initial", uuid.uuid4)
        kwargs.setdefault("label", _("Submission id"))
        super().__init__(**kwargs)


def show_refusal(form, error) -> None:
    """Put a named operation's ValidationError on the form: on its fields where it names them,
    else at the top. The form keeps what the user typed."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        for message in error.messages:
            form.add_error(None, message)
