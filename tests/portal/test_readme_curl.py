"""The README's 对接 curl examples, run as written against a live server."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from cases.open311 import services as open311_services
from cases.open311.models import IntegrationSystem
from knowledge.models import District
from tests.search.experience_helpers import index, make_article, make_policy, make_topic

README = Path(__file__).resolve().parents[2] / "README.md"


def curl_commands() -> list[str]:
    section = README.read_text(encoding="utf-8").split("## 对接", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    commands = block.replace("\\\n", " ").splitlines()
    return [c.strip() for c in commands if c.strip().startswith("curl ")]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_readme_curl_examples_work(live_server):
    topic = make_topic()
    index(make_article(topic, "个体工商户简易注销指引", problem="前租户未注销，新店办不了执照"),
          make_policy("个体工商户登记管理办法"))
    system = IntegrationSystem.objects.create(name="12345", channel_kind="12345",
                                              district=District.objects.get(code="hongkou"))
    raw = open311_services.api_key_issue(system=system, author=None)[1]
    env = {**os.environ, "BASE": live_server.url, "API_KEY": raw}
    commands = curl_commands()
    assert len(commands) >= 8
    answers = {}
    for i in range(len(commands)):
        command = commands[i]
        result = subprocess.run(["bash", "-c", command], env=env, capture_output=True, timeout=60, check=True)
        body = json.loads(result.stdout)
        answers[command] = body
        assert not (isinstance(body, list) and body and set(body[0]) == {"code", "description"}), (command, body)
        if "-X POST" in command:
            tracking = body[0]["service_request_id"]
            # The next example reads the case just filed, whatever its year and number.
            commands = [c.replace("BCS-2026-000001", tracking) for c in commands]
    by_path = {re.search(r'\$BASE(/[^"?]*)', c).group(1): body for c, body in answers.items()}
    assert any(s["service_code"] == "general" for s in by_path["/open311/v2/services.json"])
    assert by_path["/open311/v2/requests.json"][0]["status"] == "open"
    assert [r["service_request_id"] for r in by_path["/open311/v2/requests.json"]] == [tracking]
    assert by_path[f"/open311/v2/requests/{tracking}.json"][0]["service_request_id"] == tracking
    assert by_path["/api/v2/pages/"]["items"][0]["title"] == "个体工商户简易注销指引"
    assert by_path["/api/search/"]["count"] >= 1
    assert "/open311/v2/requests.{format}" in by_path["/api/schema/"]["paths"]
