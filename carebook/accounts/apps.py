from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "carebook.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from django.contrib import admin
        from django_otp.plugins.otp_static.models import StaticDevice
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from carebook.accounts import (  # noqa: F401  (connect their signal receivers)
            sessions,
            signals,
        )
        from carebook.accounts.login import AdminLoginForm

        admin.site.login_form = AdminLoginForm
        # django-otp's device admins would show every user's TOTP key to staff.
        for model in (TOTPDevice, StaticDevice):
            if admin.site.is_registered(model):
                admin.site.unregister(model)
