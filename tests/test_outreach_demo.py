"""The demo's outreach list and collaboration arena: something on the list for every rule, and a
meeting next week with two consenting patients."""

import datetime as dt

import time_machine

from samforlop.core import clock
from samforlop.demo.world import build_world
from samforlop.outreach import listing
from samforlop.outreach.models import ArenaConsent, ArenaMeeting, ReasonKind

NOW = dt.datetime(2026, 11, 23, 10, tzinfo=dt.UTC)


def test_the_demo_fills_the_outreach_list_for_every_rule_and_an_arena_meeting_next_week(db, client):
    with time_machine.travel(NOW, tick=False):
        today = clock.oslo_date(NOW)
        world = build_world(patients=36, seed=1, now=NOW)  # calls outreach.demo.build_demo
        coordinator = world.staff["koordinator.bergen"]
        reasons = listing.reasons_for(listing.candidates_for(coordinator, today), months=6, today=today)
        assert {r.kind for rs in reasons.values() for r in rs} == set(ReasonKind.values)
        meeting = ArenaMeeting.objects.get(status="scheduled")
        assert today < clock.oslo_date(meeting.starts_at) <= today + dt.timedelta(days=7)
        cases = list(meeting.cases.all())
        assert len(cases) == 2
        assert all(ArenaConsent.objects.filter(patient=c.patient, arena=meeting.arena, withdrawn_at=None).exists()
                   for c in cases)
        client.force_login(coordinator)
        assert client.get("/outreach/").status_code == 200
        assert client.get(f"/outreach/arena-meetings/{meeting.pk}/").status_code == 200
