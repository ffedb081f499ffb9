from django.apps import AppConfig


class FhirConfig(AppConfig):
    name = "carebook.fhir"
    label = "fhir"
    verbose_name = "Fhir"
