from django.urls import path

from carebook.clinic import views

urlpatterns = [
    path("", views.home, name="home"),
    path("about/", views.about, name="about"),
    path("contact/", views.contact, name="contact"),
    path("practitioners/", views.directory, name="directory"),
    path("practitioners/<int:pk>/", views.practitioner_detail, name="practitioner"),
    path("practitioners/<int:pk>/slots/", views.slot_picker, name="slot_picker"),
]
