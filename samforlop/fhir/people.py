"""FHIR endpoints — People, meetings, consent and the access log: Practitioner, PractitionerRole, CareTeam, Appointment, Consent, AuditEvent."""

from __future__ import annotations

# This module's rows of the CapabilityStatement (see capability.supported).
CAPABILITY: dict[str, dict] = {}

urlpatterns: list = []
