from django.urls import path

from carebook.records import views

app_name = "records"
urlpatterns = [
    path("health/", views.health, name="health"),
    path("patients/<int:pk>/", views.patient_record, name="patient"),
    path("patients/<int:pk>/documents/", views.document_upload, name="document_upload"),
    path("patients/<int:pk>/admit/", views.admit, name="admit"),
    path("shares/<int:pk>/", views.record_share, name="record_share"),
    path("documents/<int:pk>/", views.document_download, name="document"),
    path("documents/<int:pk>/delete/", views.document_delete, name="document_delete"),
    path("prescriptions/", views.prescriptions, name="prescriptions"),
    path("prescriptions/<int:pk>/pdf/", views.prescription_download, name="prescription_pdf"),
    path("appointments/<int:pk>/prescribe/", views.prescribe, name="prescribe"),
    path("appointments/<int:pk>/notes/", views.note_add, name="note_add"),
    path("appointments/<int:pk>/review/", views.review_add, name="review_add"),
    path("admissions/<int:pk>/discharge/", views.discharge, name="discharge"),
    path("inpatients/", views.inpatients, name="inpatients"),
    path("inpatients/discharged/", views.discharges, name="discharges"),
    path("office/access-log/", views.access_log, name="access_log"),
    path("office/reviews/", views.reviews, name="reviews"),
    path("office/reviews/<int:pk>/", views.review_hide, name="review_hide"),
]
