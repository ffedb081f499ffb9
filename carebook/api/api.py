"""The one NinjaAPI of carebook, at /api/v1: auth, error mapping, and each app's router."""

from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema
from ninja.operation import Operation

from carebook.accounts import api as accounts
from carebook.accounts.api_auth import api_auth
from carebook.api.errors import install_handlers
from carebook.api.openapi import SERVERS, TAGS, parameter_examples
from carebook.billing import api as billing
from carebook.booking import api as booking
from carebook.clinic import api as clinic
from carebook.core.headers import swagger_csp
from carebook.records import api as records
from carebook.reports import api as reports
from carebook.webhooks import api as webhooks

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

# operationIds are published (client generators name their methods after them). They were minted
# when every router lived in carebook/api/routers/<name>.py, one per tag; they keep that name.
OPERATION_ID_ROUTER = {
    "auth": "auth",
    "directory": "clinic",
    "appointments": "booking",
    "invoices": "billing",
    "prescriptions": "records",
    "reports": "reports",
    "webhooks": "webhooks",
}


class CarebookAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Operation) -> str:
        router = OPERATION_ID_ROUTER[operation.tags[0]]
        return f"carebook_api_routers_{router}_{operation.view_func.__name__}"

    def get_openapi_schema(self, **kwargs) -> OpenAPISchema:
        return parameter_examples(super().get_openapi_schema(**kwargs))


api = CarebookAPI(
    title="carebook API",
    version="1.0.0",
    description=DESCRIPTION,
    auth=api_auth,
    urls_namespace="api",
    docs_url="/docs",
    docs_decorator=swagger_csp,
    openapi_url="/openapi.json",
    servers=SERVERS,
    openapi_extra={"tags": TAGS},
)
install_handlers(api)
api.add_router("/auth", accounts.router)
api.add_router("/auth", clinic.registration)
api.add_router("/", clinic.router)
api.add_router("/", booking.directory)
api.add_router("/appointments", booking.router)
api.add_router("/appointments", billing.payments)
api.add_router("/invoices", billing.router)
api.add_router("/prescriptions", records.router)
api.add_router("/reports", reports.router)
api.add_router("/webhooks", webhooks.router)
