"""Identity numbers: fødselsnummer, D-numbers and synthetic test numbers (month + 80)."""

import random

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from samforlop.demo.synthetic import synthetic_identity_number
from samforlop.patients.identity import birth_date, validate_identity_number, with_check_digits


@given(st.integers(min_value=0, max_value=2**32))
def test_every_generated_synthetic_number_is_valid(seed):
    number = synthetic_identity_number(random.Random(seed))
    assert validate_identity_number(number) == number
    assert 81 <= int(number[2:4]) <= 92


def test_synthetic_number_gives_the_birth_date():
    stem = next(s for s in (f"018590{i:03d}" for i in range(500)) if with_check_digits(s))
    assert birth_date(with_check_digits(stem)).isoformat() == "1990-05-01"


def test_d_number_is_accepted():
    # D-number: day + 40.
    stem = next(s for s in (f"418590{i:03d}" for i in range(500)) if with_check_digits(s))
    assert validate_identity_number(with_check_digits(stem))


@pytest.mark.parametrize("value, problem", [
    ("1234", "11 digits"),
    ("abcdefghijk", "11 digits"),
])
def test_malformed_numbers_are_refused(value, problem, english):
    with pytest.raises(ValidationError, match=problem):
        validate_identity_number(value)


@given(st.integers(min_value=0, max_value=2**32), st.integers(min_value=1, max_value=9))
def test_a_changed_check_digit_is_refused(seed, delta):
    number = synthetic_identity_number(random.Random(seed))
    broken = number[:10] + str((int(number[10]) + delta) % 10)
    with pytest.raises(ValidationError):
        validate_identity_number(broken)
