from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from carebook.core.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("carebook.api.urls")),
    path("fhir/R4/", include("carebook.fhir.urls")),
    path("account/", include("carebook.accounts.urls")),
    path("account/", include("carebook.accounts.verification_urls")),
    path("account/", include("carebook.accounts.credentials_urls")),
    path("account/credentials/", include("carebook.web.credentials_urls")),
    path("practice/", include("carebook.practice.urls")),
    path("office/", include("carebook.office.urls")),
    path("notifications/", include("carebook.notifications.urls")),
    path("billing/", include("carebook.billing.urls")),
    path("records/", include("carebook.records.urls")),
    path("", include("carebook.web.urls")),
]

# A database outage answers 503 with Retry-After in every door's format (see core/outage.py).
handler500 = "carebook.core.outage.server_error"

if settings.DEBUG:
    # Development only: in production the proxy serves MEDIA_ROOT (see docs/operations.md).
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
