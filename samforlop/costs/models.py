"""Costs the patient can see: co-payments against the co-payment ceiling (egenandelstak)."""
