from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "carebook.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self):
        from carebook.core import events, periodic
        from carebook.notifications import services, tasks

        events.subscribe(events.APPOINTMENT_CHANGED, services.notify_appointment_event)
        events.subscribe(
            events.PRACTITIONER_REGISTERED, services.notify_staff_practitioner_registered
        )
        events.subscribe(events.CONTACT_MESSAGE_RECEIVED, services.notify_staff_contact_message)
        events.subscribe(events.STAFF_TASK_DONE, services.notify_staff_task_done)
        events.subscribe(events.CREDENTIALS_REVOKED, services.calendar_tokens_revoke_on_credentials)
        events.subscribe(events.PHONE_CODE_ISSUED, services.claim_code_text)
        periodic.register(tasks.ensure_reaper_scheduled)
