import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carebook.settings")
application = get_wsgi_application()

# Import every view now (Django would on the first request), then move all that is loaded into
# the collector's permanent generation: a full collection during a request then no longer walks
# the code and the app's own objects (it cost some requests 100 ms and more of CPU).
get_resolver().url_patterns  # noqa: B018 - imported for its side effect
gc.freeze()
