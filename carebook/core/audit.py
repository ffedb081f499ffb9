"""Who changed an account or a registration, when and why: one row in the admin's log.

Written in the same transaction as the change; staff read it as the object's History in the
admin (appointments keep their own AppointmentHistory).
"""

from django.contrib.admin.models import CHANGE, LogEntry


def audit_record(*, by, obj, message: str) -> None:
    if by is None or not getattr(by, "pk", None):
        return
    LogEntry.objects.log_actions(
        user_id=by.pk,
        queryset=[obj],
        action_flag=CHANGE,
        change_message=message,
        single_object=True,
    )
