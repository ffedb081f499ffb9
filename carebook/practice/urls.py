from django.urls import path

from carebook.practice import views

app_name = "practice"
urlpatterns = [path("", views.today, name="today")]
