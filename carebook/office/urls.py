from django.urls import include, path

from carebook.office import views

app_name = "office"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("registrations/", views.registrations, name="registrations"),
    path("registrations/<int:pk>/verify/", views.registration_verify, name="registration_verify"),
    path("registrations/<int:pk>/reject/", views.registration_reject, name="registration_reject"),
    path("users/", views.users, name="users"),
    path("users/<int:pk>/approve/", views.user_approve, name="user_approve"),
    path("users/<int:pk>/suspend/", views.user_suspend, name="user_suspend"),
    path("users/<int:pk>/reactivate/", views.user_reactivate, name="user_reactivate"),
    path("users/<int:pk>/mfa-reset/", views.user_mfa_reset, name="user_mfa_reset"),
    path(
        "users/<int:pk>/credentials/revoke/",
        views.user_credentials_revoke,
        name="user_credentials_revoke",
    ),
    path("messages/", views.contact_messages, name="messages"),
    path("messages/<int:pk>/handled/", views.contact_message_handled, name="message_handled"),
    path("appointments/", views.appointments, name="appointments"),
    path("day/", views.day, name="day"),
    path("appointments/<int:pk>/check-in/", views.check_in, name="check_in"),
    path("appointments/book/", views.book_for_patient, name="book_for_patient"),
    path("appointments/book/for/<int:pk>/", views.book_for_choose, name="book_for_choose"),
    path("patients/search/", views.patient_search, name="patient_search"),
    path("practitioners/new/", views.practitioner_create, name="practitioner_create"),
    path("practitioners/<int:pk>/", views.practitioner_detail, name="practitioner"),
    path("security-log/", views.security_log, name="security_log"),
    path("reports/", views.reports, name="reports"),
    path("reports/<slug:kind>.csv", views.reports_export, name="reports_export"),
    path("reports/<slug:section>/", views.reports_section, name="reports_section"),
    path("webhooks/", include("carebook.webhooks.urls")),
]
