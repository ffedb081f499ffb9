"""Response headers every door shares: personal data is never cached, browser features stay off.

The Content-Security-Policy comes from django-csp (settings.CONTENT_SECURITY_POLICY);
Referrer-Policy (SECURE_REFERRER_POLICY), HSTS and nosniff from Django's SecurityMiddleware.
"""

from csp.decorators import csp_update
from django.utils.cache import add_never_cache_headers

# Doors whose every answer is about people (or may be): the REST API and the FHIR API.
DATA_PREFIXES = ("/api/", "/fhir/")

# Browser features carebook never uses: an empty allow-list turns each off for every frame.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

# The Swagger UI page (/api/v1/docs, third-party) draws its icons as data: images; that one view
# may load them (NinjaAPI(docs_decorator=swagger_csp)). Its scripts and styles stay 'self' only.
swagger_csp = csp_update({"img-src": ["data:"]})


def carries_personal_data(request, response) -> bool:
    """Whether a response may hold personal or health data, so no cache may keep a copy."""
    user = getattr(request, "user", None)
    return bool(
        (user is not None and user.is_authenticated)
        or request.path_info.startswith(DATA_PREFIXES)
        # Files (PDF invoices and prescriptions, uploaded documents, calendar feeds) are sent
        # with a Content-Disposition; none of them is public.
        or response.has_header("Content-Disposition")
        or response.get("Content-Type", "").startswith("application/pdf")
    )


class SecurityHeadersMiddleware:
    """Add Permissions-Policy everywhere and Cache-Control: no-store where data is personal.

    Sits after AuthenticationMiddleware, so it sees who asked.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if carries_personal_data(request, response):
            # Overrides whatever a view chose: no shared or private cache may keep a copy.
            add_never_cache_headers(response)
        return response
