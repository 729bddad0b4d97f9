from django.urls import path

from toppleder import views_outbox

urlpatterns = [
    path("outbox/", views_outbox.outbox_list, name="outbox_list"),
    path("outbox/mine/", views_outbox.outbox_mine, name="outbox_mine"),
    path("outbox/<int:pk>/", views_outbox.outbox_detail, name="outbox_detail"),
    path("outbox/<int:pk>/resend/", views_outbox.outbox_resend, name="outbox_resend"),
    path("preferences/", views_outbox.notification_preferences, name="notification_preferences"),
]
