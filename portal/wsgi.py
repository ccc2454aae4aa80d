import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")

application = get_wsgi_application()

# Each server process loads the Chinese analysis once at start, so the first
# reader's search is not the one that waits for jieba's dictionary.
from search.analysis import warm_up  # noqa: E402

warm_up()
