from django.urls import path

from carebook.web.views import credentials

urlpatterns = [
    path("", credentials.credentials_list, name="credentials"),
    path("tokens/<int:pk>/revoke/", credentials.api_token_revoke, name="api_token_revoke"),
    path("feed/revoke/", credentials.calendar_feed_revoke, name="calendar_feed_revoke"),
    path("sign-out-everywhere/", credentials.sign_out_everywhere, name="sign_out_everywhere"),
]
