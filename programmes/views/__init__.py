"""Programme pages, one module per noun (programmes, enrolment, sessions, registrations,
commitments, calendar, measures). Thin function views: the access helper in
programmes/selectors.py gets the object (404 for another person's, 403 for a missing role),
a form validates, a service in programmes/services/ changes state, then a message and a
redirect."""
