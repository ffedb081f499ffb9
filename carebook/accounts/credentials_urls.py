from django.urls import path

from carebook.accounts import credentials_views

urlpatterns = [
    path("password/", credentials_views.password_change, name="password_change"),
    path("session/", credentials_views.session_status, name="session_status"),
]
