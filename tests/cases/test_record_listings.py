"""Records made elsewhere (类案 from the 一类事 report, status pushes by the task worker) are
listed and inspected in the admin, but offer no 添加 button and no add page."""

import pytest
from django.contrib.auth.models import User
from django.urls import NoReverseMatch, reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("viewset", ["class_cases", "webhook_deliveries"])
def test_a_listing_of_records_made_elsewhere_offers_no_add(client, viewset):
    client.force_login(User.objects.create_superuser("root", "root@example.com", "x-pass-123456"))
    listing = client.get(reverse(f"{viewset}:index"))
    assert listing.status_code == 200
    prefix = reverse(f"{viewset}:index")
    assert f'href="{prefix}new/"' not in listing.content.decode()
    assert client.get(f"{prefix}new/").status_code == 404
    with pytest.raises(NoReverseMatch):
        reverse(f"{viewset}:add")
