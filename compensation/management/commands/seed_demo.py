"""`seed_demo`: a demo company to click through (idempotent: run it as often as you like)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from compensation.demo import DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "Create or refresh the demo company, its logins, marketers, plans and measures."

    def handle(self, *args, **options):
        with transaction.atomic():
            company = seed_demo()
        self.stdout.write(
            f"Demo company {company.slug!r} ready: {company.employees.count()} employees. "
            f"Logins (password {DEMO_PASSWORD}): admin, hr, hr2, finance, marketer."
        )
