"""Turns a refused publish (personal data still in the page) into a message, not a 500."""

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from .publish_guard import PersonalDataPublishRefused


class PublishRefusedMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, PersonalDataPublishRefused):
            return None
        messages.error(request, exception.message)
        url = reverse("wagtailadmin_pages:edit", args=(exception.page_id,))
        if request.headers.get("x-requested-with") == "XMLHttpRequest":
            # Wagtail's workflow modals expect this JSON shape and then follow the redirect.
            return JsonResponse({"step": "success", "redirect": url})
        return redirect(url)
