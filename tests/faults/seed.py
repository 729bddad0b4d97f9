"""Seed the fault stack's database: a programme, two small sessions, signed-in leaders and HR.

Run by stack.Stack.run_django in its own process (the stack's database, not the test's).
Prints one line of JSON: the session ids and a session cookie per person.
"""

import json
import sys

import django

django.setup()

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.cached_db import SessionStore  # noqa: E402

from tests.factories import HRUserFactory  # noqa: E402
from tests.programmes.factories import ProgrammeFactory, SessionFactory, enrolled_leader  # noqa: E402


def signed_in(user) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def main(leaders: int, capacity: int) -> dict:
    programme = ProgrammeFactory(name="Feiltesting")
    sessions = [SessionFactory(programme=programme, capacity=capacity, title=f"Feilsamling {i}") for i in (1, 2)]
    people = [enrolled_leader(programme, user__email=f"leder{i:03d}@feil.example") for i in range(leaders)]
    hr = HRUserFactory(email="hr@feil.example")
    return {
        "sessions": [s.pk for s in sessions],
        "leaders": [{"id": p.pk, "cookie": signed_in(p.user)} for p in people],
        "hr_cookie": signed_in(hr),
    }


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]), int(sys.argv[2]))))
