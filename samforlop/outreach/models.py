"""Outreach (oppsøkende oppfølging) and the municipality's collaboration arena."""
