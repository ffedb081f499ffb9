from carebook.clinic.models import Clinic


def clinic(request):
    """The clinic's name for every page (one cheap query, cached on the request)."""
    if not hasattr(request, "_clinic"):
        request._clinic = Clinic.objects.only("name").order_by("pk").first()
    return {"clinic_name": request._clinic.name if request._clinic else "carebook"}
