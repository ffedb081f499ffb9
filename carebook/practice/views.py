from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render


@login_required
def today(request):
    if not request.user.is_practitioner:
        raise Http404
    return render(request, "practice/today.html")
