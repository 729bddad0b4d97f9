"""`manage.py seed_demo [--size small|large] [--scale N] [--password PW]`: demo data for the whole portal.

Idempotent. The core (toppleder/demo.py) goes first, then every installed app's `<app>/demo.py`
`seed(*, size, rng, stdout)` in INSTALLED_APPS order (found like the dashboard panels, by
name, so the core names no app), so every feature brings its own
living demo data. `small` is what `make run` shows; `large` is the bench's data set
(≈ 60 organisations, 5,000 leaders, 200 sessions).
"""

import random
import secrets
import sys
import time

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.module_loading import autodiscover_modules

from toppleder import caching
from toppleder import demo as core_demo
from toppleder.models import User


class Command(BaseCommand):
    help = "Load demo data (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--size", choices=["small", "large"], default="small")
        parser.add_argument("--password", default="", help="Password for every demo login.")
        parser.add_argument(
            "--scale", type=int, default=1, help="Multiply the number of leaders (bench growth figures: 2, 4)."
        )
        parser.add_argument("--seed", type=int, default=2026, help="Random seed, for repeatable data.")

    def handle(self, *args, size, password, seed, scale=1, **options):
        started = time.monotonic()
        generated = False
        password = password or settings.DEMO_PASSWORD
        if not password:
            password, generated = secrets.token_urlsafe(9), True
        rng = random.Random(seed)
        already_seeded = User.objects.filter(email=core_demo.ADMIN_EMAIL).exists()
        self.stdout.write(f"Seeding demo data ({size}) …")
        core_demo.seed(size=size, rng=rng, stdout=self.stdout, password=password, scale=max(1, scale))
        autodiscover_modules("demo")
        for config in apps.get_app_configs():
            module = sys.modules.get(f"{config.name}.demo")
            if config.name == "toppleder" or module is None or not hasattr(module, "seed"):
                continue
            module.seed(size=size, rng=random.Random(f"{seed}-{config.label}"), stdout=self.stdout)
        # The large data set is loaded with COPY, which the write watcher does not see: give every
        # table a new version, so no page part cached before the load is shown again (caching.py).
        caching.bump_all()
        self.stdout.write(self.style.SUCCESS(f"Done in {time.monotonic() - started:.1f} s."))
        self.stdout.write("Demo logins (e-mail / password):")
        facilitators = [email for email, _name in core_demo.FACILITATORS]
        for email in (core_demo.ADMIN_EMAIL, core_demo.HR_EMAIL, *facilitators, "leder001@toppleder.example"):
            self.stdout.write(f"  {email}")
        self.stdout.write("  … leder002 … @toppleder.example (every demo leader)")
        if generated and already_seeded:
            self.stdout.write("  password: unchanged since the first run (give --password to choose one)")
        elif generated:
            self.stdout.write(self.style.WARNING(f"  password: {password}  (set DEMO_PASSWORD or --password)"))
        else:
            self.stdout.write("  password: the one you gave (--password / DEMO_PASSWORD)")
