from django.urls import path, re_path

from carebook.api.api import api
from carebook.api.views import json_method_not_allowed, not_found

# (Not unpacked into module names: include() would read a module-level `app_name`.)
ninja_urls = api.urls
for pattern in ninja_urls[0]:
    pattern.callback = json_method_not_allowed(pattern.callback)

urlpatterns = [
    path("", ninja_urls),
    # Anything else under /api/v1/ is a JSON 404, never the site's HTML page.
    re_path(r"^.*$", not_found),
]
