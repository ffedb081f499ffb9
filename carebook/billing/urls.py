from django.urls import path

from carebook.billing import views

app_name = "billing"
urlpatterns = [
    path("pay/<int:appointment_id>/", views.pay, name="pay"),
    path("settings/", views.billing_settings, name="settings"),
    path("invoices/", views.invoices, name="invoices"),
    path("invoices/<int:pk>/", views.invoice_detail, name="invoice"),
    path("invoices/<int:pk>/pdf/", views.invoice_pdf, name="invoice_pdf"),
    path("invoices/<int:pk>/payments/", views.payment_record, name="payment_record"),
    path("invoices/<int:pk>/refund/", views.refund, name="refund"),
    path("payments/<int:pk>/receipt/", views.receipt_pdf, name="receipt_pdf"),
    path("credit-notes/<int:pk>/pdf/", views.credit_note_pdf, name="credit_note_pdf"),
    path(
        "appointments/<int:appointment_id>/invoice/",
        views.appointment_invoice,
        name="appointment_invoice",
    ),
]
