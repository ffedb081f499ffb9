from django.urls import path

from carebook.booking import views

urlpatterns = [
    path("book/", views.book, name="book"),
    path("appointments/", views.my_appointments, name="my_appointments"),
    path("appointments/<int:pk>/", views.appointment_detail, name="appointment"),
    path("appointments/<int:pk>/done/", views.appointment_done, name="appointment_done"),
    path("appointments/<int:pk>/cancel/", views.appointment_cancel, name="appointment_cancel"),
    path("appointments/<int:pk>/reschedule/", views.reschedule, name="reschedule"),
]
