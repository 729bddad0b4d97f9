"""The outbox pages and the e-mail preferences. The names are not namespaced: e-mails and
templates already link to them as `notification_preferences`, `outbox_detail`, …"""

from django.urls import path

import toppleder.converters  # noqa: F401  (<id:…>)
from toppleder.outbox import views

urlpatterns = [
    path("outbox/", views.outbox_list, name="outbox_list"),
    path("outbox/mine/", views.outbox_mine, name="outbox_mine"),
    path("outbox/<id:pk>/", views.outbox_detail, name="outbox_detail"),
    path("outbox/<id:pk>/resend/", views.outbox_resend, name="outbox_resend"),
    path("preferences/", views.notification_preferences, name="notification_preferences"),
]
