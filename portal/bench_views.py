"""A hello-world view: the baseline `make bench-pages` compares pages with.

Only routed when settings.BANCHENG_BENCH_HELLO is True (portal.settings.bench).
"""

from django.http import HttpResponse


def hello(request):
    return HttpResponse("Hello, world", content_type="text/plain; charset=utf-8")
