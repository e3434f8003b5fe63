"""FHIR endpoints — Bulk Data export for a clinic: Group/[id]/$export (async), status and NDJSON files."""

from __future__ import annotations

# This module's rows of the CapabilityStatement (see capability.supported).
CAPABILITY: dict[str, dict] = {}

urlpatterns: list = []
