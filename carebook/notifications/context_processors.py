from django.utils.functional import SimpleLazyObject

from carebook.notifications.selectors import unread_count


def notifications(request):
    """The bell's unread count: one COUNT, only for a signed-in user, only if a page shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"notifications_unread": SimpleLazyObject(lambda: unread_count(user=user))}
