"""Synthetic identity and organisation numbers for demo, test and benchmark data.

Identity numbers are synthetic (month + 80) so they can never be a real person's number.
"""

import random

from stdnum.no import orgnr

from samforlop.patients.identity import with_check_digits


def synthetic_identity_number(rng: random.Random) -> str:
    """A valid synthetic national identity number (month + 80), born 1950–1999."""
    while True:
        day = rng.randint(1, 28)
        month = rng.randint(1, 12) + 80
        year = rng.randint(50, 99)
        individual = rng.randint(0, 499)  # 1900–1999
        number = with_check_digits(f"{day:02d}{month:02d}{year:02d}{individual:03d}")
        if number:
            return number


def organisation_number(stem: int) -> str:
    """A nine-digit organisation number with a valid check digit, from an eight-digit stem."""
    for candidate in range(stem, stem + 20):
        base = f"{candidate:08d}"
        for check in "0123456789":
            if orgnr.is_valid(base + check):
                return base + check
    raise ValueError(f"no organisation number near {stem}")


def synthetic_identity_numbers():
    """Distinct synthetic identity numbers, in a fixed order (for bulk data)."""
    for year in range(50, 100):
        for month in range(81, 93):
            for day in range(1, 29):
                for individual in range(0, 500):
                    number = with_check_digits(f"{day:02d}{month:02d}{year:02d}{individual:03d}")
                    if number:
                        yield number
