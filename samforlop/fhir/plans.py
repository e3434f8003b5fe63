"""FHIR endpoints — The individual plan and tasks: CarePlan, Goal, Task."""

from __future__ import annotations

# This module's rows of the CapabilityStatement (see capability.supported).
CAPABILITY: dict[str, dict] = {}

urlpatterns: list = []
