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
