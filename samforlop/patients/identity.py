"""Norwegian national identity numbers (fødselsnummer, D-number, synthetic test numbers).

python-stdnum checks the two check digits and the birth date; it does not know the synthetic
numbers of the national test data (month + 80), so we take the month back before asking it
for the birth date.
"""

import datetime as dt
import hashlib
import hmac

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_errors
from stdnum.no import fodselsnummer


def compact(value: str) -> str:
    return fodselsnummer.compact(value or "")


def is_synthetic(number: str) -> bool:
    return len(number) == 11 and number.isdigit() and int(number[2:4]) >= 80


def birth_date(number: str) -> dt.date:
    number = compact(number)
    if is_synthetic(number):
        number = number[:2] + f"{int(number[2:4]) - 80:02d}" + number[4:]
    return fodselsnummer.get_birth_date(number)


def validate_identity_number(value: str) -> str:
    """Return the compact number, or raise ValidationError saying what is wrong."""
    number = compact(value)
    if len(number) != 11 or not number.isdigit():
        raise ValidationError(_("An identity number has 11 digits."), code="format")
    if (
        number[9] != fodselsnummer.calc_check_digit1(number)
        or number[10] != fodselsnummer.calc_check_digit2(number)
    ):
        raise ValidationError(_("The check digits of the identity number do not match."), code="checksum")
    try:
        born = birth_date(number)
    except stdnum_errors.ValidationError:
        raise ValidationError(_("The identity number does not contain a valid birth date."), code="date")
    if born > dt.date.today():
        raise ValidationError(_("The identity number has a birth date in the future."), code="date")
    return number


def with_check_digits(first_nine: str) -> str | None:
    """Complete nine digits with check digits, or None when no valid number has that stem."""
    k1 = fodselsnummer.calc_check_digit1(first_nine)
    if k1 == "-" or len(k1) != 1:
        return None
    k2 = fodselsnummer.calc_check_digit2(first_nine + k1)
    if k2 == "-" or len(k2) != 1:
        return None
    return first_nine + k1 + k2


def person_identifier(number: str) -> str:
    """A keyed hash of an identity number: how a person who logs in with ID-porten but is not a
    patient here (a relative) is recognised, without storing their identity number."""
    key = (settings.PERSON_IDENTIFIER_KEY or settings.SECRET_KEY).encode()
    return hmac.new(key, compact(number).encode(), hashlib.sha256).hexdigest()
