"""Ids (and other whole numbers) taken from a form or a query string, parsed in one place.

A view never hands a raw `request.POST[...]` to the database: a malformed value ("abc", "", "-1", a
number too large for the database) is the client's mistake and answers 400 (`BadRequest`, the plain
Norwegian 400 page); a well-formed id of a row that does not exist, or that is not the caller's (the
queryset given is already scoped to what the caller may reach), answers 404 like any other hidden
row. Neither is ever a 500.

    goal = ids.posted_object(request, "goal", Goal.objects.filter(plan=plan))
    consultation_id = ids.query_id(request, "consultation", uuid.UUID, required=False)

The kind of an id (UUID or whole number) follows the model's primary key, so a view cannot parse a
UUID as a number by mistake.
"""

from __future__ import annotations

import uuid

from django.core.exceptions import BadRequest
from django.db import models
from django.http import Http404

# The largest value of a 64-bit signed integer column (BigAutoField on SQLite and PostgreSQL).
BIGINT_MAX = 2**63 - 1
# A UUID in any of the spellings uuid.UUID accepts is at most this long ("urn:uuid:" + braces).
UUID_MAX_LENGTH = 45


class MalformedId(BadRequest):
    """A form or query-string value that cannot be an id (or number) of the kind asked for."""

    def __init__(self, field: str, problem: str):
        self.field, self.problem = field, problem
        super().__init__(f"{field}: {problem}")


def parse_id(raw, kind=uuid.UUID, *, field: str):
    """`raw` as an id of `kind` (uuid.UUID or int), else MalformedId (400) naming `field`."""
    if raw is None or not isinstance(raw, str):
        raise MalformedId(field, "missing")
    value = raw.strip()
    if not value:
        raise MalformedId(field, "missing")
    if kind is int:
        return parse_int(value, field=field, minimum=1, maximum=BIGINT_MAX)
    if kind is uuid.UUID:
        if len(value) > UUID_MAX_LENGTH or not value.isascii():
            raise MalformedId(field, "not an id")
        try:
            return uuid.UUID(value)
        except ValueError:
            raise MalformedId(field, "not an id") from None
    raise TypeError(f"parse_id: unsupported id kind {kind!r}")


def parse_int(raw, *, field: str, minimum: int = 0, maximum: int = BIGINT_MAX) -> int:
    """A whole number from `minimum` to `maximum` written in ASCII digits (an optional leading
    minus only when `minimum` is negative), else MalformedId (400) naming `field`."""
    value = raw.strip() if isinstance(raw, str) else ""
    digits = value[1:] if value.startswith("-") else value
    if not digits or not digits.isascii() or not digits.isdigit() or len(digits) > 19:
        raise MalformedId(field, "not a whole number")
    number = int(value)
    if not minimum <= number <= maximum:
        raise MalformedId(field, f"must be from {minimum} to {maximum}")
    return number


def id_kind(model) -> type:
    """uuid.UUID or int: the kind of `model`'s primary key."""
    return uuid.UUID if isinstance(model._meta.pk, models.UUIDField) else int


def _queryset(queryset_or_model):
    if isinstance(queryset_or_model, models.QuerySet):
        return queryset_or_model
    return queryset_or_model._default_manager.all()


def object_or_404(queryset_or_model, raw, *, field: str):
    """The row of `queryset_or_model` whose id is `raw` (from a form or query string): 400 when
    `raw` is malformed, 404 when no such row is in the queryset (not found, or not the caller's)."""
    queryset = _queryset(queryset_or_model)
    pk = parse_id(raw, id_kind(queryset.model), field=field)
    row = queryset.filter(pk=pk).first()
    if row is None:
        raise Http404()
    return row


def posted_object(request, field: str, queryset_or_model):
    """The row named by the POST field `field` (see object_or_404)."""
    return object_or_404(queryset_or_model, request.POST.get(field), field=field)


def posted_id(request, field: str, kind=uuid.UUID):
    """The id in the POST field `field` (400 when missing or malformed)."""
    return parse_id(request.POST.get(field), kind, field=field)


def query_id(request, field: str, kind=uuid.UUID, *, required: bool = True):
    """The id in the query-string parameter `field`; None when it is absent (or empty) and not
    `required`, 400 when malformed."""
    raw = request.GET.get(field)
    if not required and (raw is None or raw.strip() == ""):
        return None
    return parse_id(raw, kind, field=field)
