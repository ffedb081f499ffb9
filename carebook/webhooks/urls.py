"""The office's webhook pages (included by carebook.office.urls under /office/webhooks/)."""

from django.urls import path

from carebook.webhooks import views

urlpatterns = [
    path("", views.endpoints, name="webhooks"),
    path("new/", views.endpoint_create, name="webhook_create"),
    path("<int:pk>/", views.endpoint_detail, name="webhook"),
    path("<int:pk>/delete/", views.endpoint_delete, name="webhook_delete"),
    path("<int:pk>/deliveries/<int:delivery_pk>/replay/", views.replay, name="webhook_replay"),
]
