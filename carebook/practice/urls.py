from django.urls import path

from carebook.practice import views

app_name = "practice"
urlpatterns = [
    path("", views.today, name="today"),
    path("appointments/<int:pk>/<slug:action>/", views.appointment_act, name="act"),
    path("week/", views.week, name="week"),
    path("availability/", views.availability, name="availability"),
    path("availability/<int:pk>/delete/", views.window_delete, name="window_delete"),
    path("time-off/", views.time_off, name="time_off"),
    path("time-off/<int:pk>/delete/", views.time_off_delete, name="time_off_delete"),
    path("rules/", views.rules, name="rules"),
    path("services/", views.services, name="services"),
    path("services/<int:pk>/", views.service_edit, name="service_edit"),
    path("services/<int:pk>/toggle/", views.service_toggle, name="service_toggle"),
    path("profile/", views.profile, name="profile"),
    path("patients/", views.patients, name="patients"),
    path("figures/", views.figures, name="figures"),
    path("figures/<slug:section>/", views.figures_section, name="figures_section"),
    path("patients/<int:pk>/", views.patient, name="patient"),
]
