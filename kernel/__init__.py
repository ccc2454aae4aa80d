"""The shared kernel: small, dependency-free building blocks every app may import.

Layers point down: ``portal`` → ``cases`` → ``knowledge`` → ``search`` → ``kernel``.
Nothing here imports an app; each module does one job (personal data, rate limits,
the public content version) so the apps above agree on it instead of keeping copies.
"""
