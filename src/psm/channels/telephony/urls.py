from django.urls import path

from psm.channels.telephony import views

app_name = "telephony"
urlpatterns = [
    path("voice/", views.voice, name="voice"),
    path("voice/route/", views.voice_route, name="voice-route"),
    path("voice/dialed/", views.voice_dialed, name="voice-dialed"),
    path("voice/recorded/", views.voice_recorded, name="voice-recorded"),
    path("voice/recording/", views.voice_recording, name="voice-recording"),
    path("sms/", views.sms, name="sms"),
]
