"""A calendar invitation (RFC 5545) for a meeting. It names no health details: a neutral title,
the time and place, and a link to Samforløp."""

import datetime as dt

from django.conf import settings


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> str:
    """Lines longer than 75 octets are folded (continuation lines start with a space)."""
    out, current = [], ""
    for char in line:
        if len((current + char).encode()) > 75:
            out.append(current)
            current = " " + char
        else:
            current += char
    out.append(current)
    return "\r\n".join(out)


def meeting_ics(meeting, *, summary: str, now: dt.datetime, method: str = "REQUEST") -> str:
    end = meeting.starts_at + dt.timedelta(minutes=meeting.duration_minutes)
    location = meeting.place or meeting.video_link
    url = f"{settings.SITE_URL}/meetings/{meeting.pk}/"
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Samforlop//Samforlop//NB", f"METHOD:{method}",
        "BEGIN:VEVENT",
        f"UID:{meeting.pk}@samforlop",
        f"DTSTAMP:{_utc(now)}",
        f"DTSTART:{_utc(meeting.starts_at)}",
        f"DTEND:{_utc(end)}",
        f"SUMMARY:{_escape(summary)}",
        f"LOCATION:{_escape(location)}",
        f"DESCRIPTION:{_escape(url)}",
        f"URL:{url}",
        "STATUS:" + ("CANCELLED" if meeting.status == "cancelled" else "CONFIRMED"),
        "END:VEVENT", "END:VCALENDAR",
    ]
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
