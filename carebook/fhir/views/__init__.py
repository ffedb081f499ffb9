"""FHIR R4 handlers: thin views over the same selectors and services as the REST API.

One module a resource or operation; `common` holds the request and response plumbing.
"""
