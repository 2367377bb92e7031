"""The payroll app has no models of its own yet, so nothing to register in the admin."""
