from django.urls import path, re_path

from carebook.fhir.views import (
    appointment,
    location,
    metadata,
    operations,
    patient,
    practitioner,
    schedule,
    slot,
)

ID = r"(?P<pk>[A-Za-z0-9\-.]{1,64})"

urlpatterns = [
    path("metadata", metadata.metadata, name="fhir-metadata"),
    path("Practitioner", practitioner.practitioner_search, name="fhir-practitioner-search"),
    re_path(rf"^Practitioner/{ID}$", practitioner.practitioner_read, name="fhir-practitioner"),
    path(
        "PractitionerRole",
        practitioner.practitioner_role_search,
        name="fhir-practitionerrole-search",
    ),
    re_path(
        rf"^PractitionerRole/{ID}$",
        practitioner.practitioner_role_read,
        name="fhir-practitionerrole",
    ),
    path("Location", location.location_search, name="fhir-location-search"),
    re_path(rf"^Location/{ID}$", location.location_read, name="fhir-location"),
    path("Patient", patient.patient_search, name="fhir-patient-search"),
    re_path(rf"^Patient/{ID}$", patient.patient_read, name="fhir-patient"),
    path("Schedule", schedule.schedule_search, name="fhir-schedule-search"),
    re_path(rf"^Schedule/{ID}$", schedule.schedule_read, name="fhir-schedule"),
    path("Slot", slot.slot_search, name="fhir-slot-search"),
    re_path(rf"^Slot/{ID}$", slot.slot_read, name="fhir-slot"),
    path("Appointment", appointment.appointment_type, name="fhir-appointment-type"),
    path("Appointment/$find", operations.appointment_find, name="fhir-appointment-find"),
    path("Appointment/$hold", operations.appointment_hold_op, name="fhir-appointment-hold"),
    path("Appointment/$book", operations.appointment_book_op, name="fhir-appointment-book"),
    re_path(rf"^Appointment/{ID}$", appointment.appointment_instance, name="fhir-appointment"),
    re_path(r"^.*$", metadata.unknown),
]
