"""The one NinjaAPI of carebook, at /api/v1: auth, error mapping, and every router."""

from ninja import NinjaAPI

from carebook.api.auth import api_auth
from carebook.api.errors import install_handlers
from carebook.api.routers import auth, booking, clinic

DESCRIPTION = """
Book appointments at a carebook clinic.

1. `POST /api/v1/auth/token` with your email and password returns a bearer token.
2. Send it on every call as `Authorization: Bearer <token>` (the **Authorize** button here).
3. Find a practitioner and a free slot (`/practitioners`, `/practitioners/{id}/slots`),
   then `POST /api/v1/appointments`.

Errors are JSON `{"detail": "...", "code": "..."}`; invalid input is 422 with field `errors`.
Every POST that changes something accepts an `Idempotency-Key` header: a retry with the same
key and body returns the first response and does nothing again.
"""

api = NinjaAPI(
    title="carebook API",
    version="1.0.0",
    description=DESCRIPTION,
    auth=api_auth,
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
install_handlers(api)
api.add_router("/auth", auth.router)
api.add_router("/", clinic.router)
api.add_router("/appointments", booking.router)
api.add_router("/invoices", "carebook.api.routers.billing.router")
api.add_router("/prescriptions", "carebook.api.routers.records.router")
