from django.contrib.auth import views as auth_views
from django.urls import path

from samforlop.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("demo-login/", views.demo_login, name="demo_login"),
    path("oidc/<slug:provider>/start/", views.oidc_start, name="oidc_start"),
    path("oidc/<slug:provider>/callback/", views.oidc_callback, name="oidc_callback"),
]
