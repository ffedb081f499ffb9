"""What the published OpenAPI document says beyond what ninja derives from the routers."""

SERVERS = [
    {
        "url": "/",
        "description": "The carebook server this document came from (every path starts /api/v1).",
    }
]

TAGS = [
    {
        "name": "auth",
        "description": "Patients sign up; a login becomes a bearer token; who am I.",
    },
    {
        "name": "directory",
        "description": "Public: specialties, locations, practitioners and their free slots.",
    },
    {
        "name": "appointments",
        "description": "Book, list, read, pay for and move appointments through their statuses.",
    },
    {"name": "invoices", "description": "Tax invoices with their payments and credit notes."},
    {"name": "prescriptions", "description": "Prescriptions issued at visits, as JSON or PDF."},
    {"name": "reports", "description": "Staff: bookings, revenue, peak hours and visits."},
    {
        "name": "webhooks",
        "description": "Staff: endpoints told of changes after they commit, and their deliveries.",
    },
]


def parameter_examples(schema: dict) -> dict:
    """Each parameter's `examples` as OpenAPI's map of Example objects.

    ninja copies a field's JSON Schema `examples` (a list) onto the parameter, where OpenAPI 3.1
    wants a map; the list stays in the parameter's own `schema`."""
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", ()):
                examples = parameter.get("examples")
                if isinstance(examples, list):
                    parameter["examples"] = {
                        "example" if i == 0 else f"example{i + 1}": {"value": value}
                        for i, value in enumerate(examples)
                    }
    return schema
