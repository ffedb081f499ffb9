from django.urls import path, re_path

from carebook.fhir import views

ID = r"(?P<pk>[A-Za-z0-9\-.]{1,64})"

urlpatterns = [
    path("metadata", views.metadata, name="fhir-metadata"),
    path("Practitioner", views.practitioner_search, name="fhir-practitioner-search"),
    re_path(rf"^Practitioner/{ID}$", views.practitioner_read, name="fhir-practitioner"),
    path("PractitionerRole", views.practitioner_role_search, name="fhir-practitionerrole-search"),
    re_path(
        rf"^PractitionerRole/{ID}$", views.practitioner_role_read, name="fhir-practitionerrole"
    ),
    path("Location", views.location_search, name="fhir-location-search"),
    re_path(rf"^Location/{ID}$", views.location_read, name="fhir-location"),
    path("Schedule", views.schedule_search, name="fhir-schedule-search"),
    re_path(rf"^Schedule/{ID}$", views.schedule_read, name="fhir-schedule"),
    path("Slot", views.slot_search, name="fhir-slot-search"),
    re_path(rf"^Slot/{ID}$", views.slot_read, name="fhir-slot"),
    path("Appointment", views.appointment_type, name="fhir-appointment-type"),
    path("Appointment/$find", views.appointment_find, name="fhir-appointment-find"),
    path("Appointment/$hold", views.appointment_hold_op, name="fhir-appointment-hold"),
    path("Appointment/$book", views.appointment_book_op, name="fhir-appointment-book"),
    re_path(rf"^Appointment/{ID}$", views.appointment_instance, name="fhir-appointment"),
    re_path(r"^.*$", views.unknown),
]
