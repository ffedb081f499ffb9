from django.contrib import admin
from django.urls import include, path

from carebook.core.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("carebook.api.urls")),
    path("fhir/R4/", include("carebook.fhir.urls")),
]
