from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "carebook.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from django.contrib import admin

        from carebook.accounts.login import AdminLoginForm

        admin.site.login_form = AdminLoginForm
