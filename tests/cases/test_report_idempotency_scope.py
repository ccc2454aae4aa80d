"""The online report's idempotency key (a hidden field the reader's browser sends back) only ever
finds that form's own earlier submission: a key typed to match a case filed another way (a 12345
transfer's ``k<key>:<ticket>``, a demo case) must not hand its tracking number to whoever typed it."""

import pytest
from django.test import Client
from django.urls import reverse

from cases.models import Case
from cases.open311 import services as open311_services
from tests.cases.open311_helpers import issue_key, make_system

from .test_public import report_data

pytestmark = pytest.mark.django_db


def test_a_key_of_a_case_filed_through_the_hotline_files_a_new_report(hongkou):
    key, _raw = issue_key(make_system(district=hongkou))
    transferred = open311_services.case_file_through_key(
        key=key, district=hongkou, reporter_name="王小明", reporter_phone="13812345678",
        matter="店铺前租户没有注销营业执照，新办执照一直办不下来", idempotency_key=f"k{key.pk}:ticket-1001",
    )
    client = Client()
    response = client.post(reverse("cases_public:report"), report_data(hongkou, idempotency_key=f"k{key.pk}:ticket-1001"))
    assert response.status_code == 302
    done = client.get(response["Location"]).content.decode()
    assert transferred.tracking_number not in done
    mine = Case.objects.exclude(pk=transferred.pk).get()
    assert mine.channel == Case.Channel.ONLINE and mine.tracking_number in done


def test_the_same_report_sent_twice_is_still_filed_once(hongkou):
    client = Client()
    for _ in range(2):
        assert client.post(reverse("cases_public:report"), report_data(hongkou, idempotency_key="a" * 32)).status_code == 302
    assert Case.objects.count() == 1
