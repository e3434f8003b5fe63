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


def _is_id(field, value) -> bool:
    """Whether `value` is a well-formed id of the field's rows (samforlop.core.ids), so that the
    database is never asked for "abc" or a number wider than its columns."""
    from samforlop.core import ids

    if field.to_field_name or isinstance(value, field.queryset.model):
        return True
    try:
        ids.parse_id(str(value), ids.id_kind(field.queryset.model), field="")
    except ids.MalformedId:
        return False
    return True


class IdChoiceField(forms.ModelChoiceField):
    """A choice of one row by its id: a malformed id is the field's "not a valid choice"."""

    def to_python(self, value):
        if value not in self.empty_values and not _is_id(self, value):
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A choice of rows by their ids: a malformed id is the field's error (Django would hand a
    number too wide for the database to it, a 500 on SQLite)."""

    def _check_values(self, value):
        for pk in value if isinstance(value, (list, tuple)) else [value]:
            if pk not in self.empty_values and not _is_id(self, pk):
                raise forms.ValidationError(self.error_messages["invalid_pk_value"], code="invalid_pk_value",
                                            params={"pk": pk})
        return super()._check_values(value)
