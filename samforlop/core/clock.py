"""Time, read once per operation.

Store UTC, show Europe/Oslo. Clinical dates are calendar dates in Europe/Oslo, so "today" is the
Oslo date of the moment the operation started, passed down instead of read again.
"""

import datetime as dt
import zoneinfo

from django.utils import timezone

OSLO = zoneinfo.ZoneInfo("Europe/Oslo")


def now() -> dt.datetime:
    return timezone.now()


def oslo_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(OSLO).date()


def today() -> dt.date:
    return oslo_date(now())


def localtime(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(OSLO)
