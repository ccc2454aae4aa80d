"""Interfaces for other systems: Open311 GeoReport v2, API keys and outgoing webhooks.

Integrating systems (the 12345 hotline, 一网通办/随申办 front ends, district
platforms) file and follow cases here with a key issued in the admin; the
field mapping is documented in README ("对接").
"""
