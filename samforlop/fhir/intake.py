"""FHIR endpoints — Referrals and check-ins: ServiceRequest, Questionnaire, QuestionnaireResponse."""

from __future__ import annotations

# This module's rows of the CapabilityStatement (see capability.supported).
CAPABILITY: dict[str, dict] = {}

urlpatterns: list = []
