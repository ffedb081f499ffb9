from django.urls import path

from carebook.web.views import booking, pages, registration

urlpatterns = [
    path("", pages.home, name="home"),
    path("about/", pages.about, name="about"),
    path("contact/", pages.contact, name="contact"),
    path("practitioners/", pages.directory, name="directory"),
    path("practitioners/<int:pk>/", pages.practitioner_detail, name="practitioner"),
    path("practitioners/<int:pk>/slots/", pages.slot_picker, name="slot_picker"),
    path("book/", booking.book, name="book"),
    path("appointments/", booking.my_appointments, name="my_appointments"),
    path("appointments/<int:pk>/", booking.appointment_detail, name="appointment"),
    path("appointments/<int:pk>/done/", booking.appointment_done, name="appointment_done"),
    path("appointments/<int:pk>/cancel/", booking.appointment_cancel, name="appointment_cancel"),
    path("appointments/<int:pk>/reschedule/", booking.reschedule, name="reschedule"),
    path("account/register/", registration.register, name="register"),
    path(
        "account/register/practitioner/",
        registration.register_practitioner,
        name="register_practitioner",
    ),
]
