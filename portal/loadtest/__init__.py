"""Load and fault drills on loopback: a field-like mix of readers and staff (locust),
the servers it runs against (gunicorn + task worker), and the checks that nothing
was lost. ``python -m portal.loadtest --help``; ``make bench-load``.

The locust file is run by locust in its own process (it patches the standard
library with gevent); nothing in Django imports it.
"""
