"""The monthly reminder's pages: the switch on Enhetsaktivitet and the unsubscribe link."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from account_security.models import ReviewReminder
from account_security.reminders import turn_reminders_off, turn_reminders_on, unsubscribe


@login_required
@require_POST
def review_reminder(request: HttpRequest) -> HttpResponse:
    if request.POST.get("reminder") == "on":
        turn_reminders_on(request.user)
        messages.success(request, _("You will get an email once a month to review your devices."))
    else:
        turn_reminders_off(request.user)
        messages.success(request, _("The monthly reminders are off."))
    return redirect("account_security:devices")


# The token is the credential (a signed-out mail reader has no CSRF cookie), and RFC 8058 mail
# programs POST to the link directly; a GET only shows the button.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe_link(request: HttpRequest, token) -> HttpResponse:
    if request.method == "POST":
        if not unsubscribe(token):
            raise Http404(_("These reminders are already off."))
        return render(request, "account_security/unsubscribe.html", {"done": True})
    if not ReviewReminder.objects.filter(token=token).exists():
        raise Http404(_("These reminders are already off."))
    return render(request, "account_security/unsubscribe.html", {"done": False})
