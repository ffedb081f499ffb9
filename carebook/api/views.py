import functools

from django.http import JsonResponse

from carebook.api.errors import error_body


def not_found(request, *args, **kwargs):
    return JsonResponse(error_body("Not found.", "not_found"), status=404)


def json_method_not_allowed(view):
    """ninja answers a wrong method with a plain-text 405; ours is JSON like every error."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            answer = JsonResponse(
                error_body(f"{request.method} is not allowed here.", "method_not_allowed"),
                status=405,
            )
            answer["Allow"] = response.get("Allow", "")
            return answer
        return response

    return wrapped
