"""Every staff action, as its role, timed at the desk's real size (``python -m cases.bench actions``).

Each run walks fresh cases through the loop over HTTP, exactly as the case page posts it
(the action, its form fields and the version the page showed): 受理登记 by 窗口人员, 研判,
分办, 容缺, 答复, 退单 and 申请延期 by 部门经办人, 审批延期 by 研判员, 办结, 好差评, 回访, 并单, and 起草办事指引
by 编辑. Only the POST is timed (the page the browser shows next is what ``cases.bench`` times).
Follow-up work (search index updates, mail) goes to the database task queue as in production,
so it is not part of the response; the queue is drained, untimed, between runs.
"""

from __future__ import annotations

import datetime
import statistics
import time

MATTER = "租的铺位前租户没注销，新店办不了营业执照，窗口说要前租户先注销"


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


class _Desk:
    def __init__(self):
        from django.contrib.auth import get_user_model
        from django.test import Client

        from cases.models import ServiceHall
        from knowledge.models import Department

        users = get_user_model().objects
        self.clients = {}
        for role in ("window", "triage", "dept", "editor"):
            client = Client()
            client.force_login(users.get(username=role))
            self.clients[role] = client
        self.window = users.get(username="window")
        self.triage = users.get(username="triage")
        self.hall = ServiceHall.objects.get(name="虹口区政务服务中心")
        self.market = Department.objects.get(name="虹口区市场监督管理局")
        self.co = Department.objects.filter(district=self.hall.district).exclude(pk=self.market.pk).first()
        self.timings: dict[str, list[tuple[float, float, int]]] = {}

    def post(self, action: str, role: str, path: str, data: dict, expect=(302,)):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client = self.clients[role]
        with CaptureQueriesContext(connection) as queries:
            started, cpu_started = time.perf_counter(), time.process_time()
            response = client.post(path, data)
            elapsed = (time.perf_counter() - started) * 1000
            cpu = (time.process_time() - cpu_started) * 1000
        if response.status_code not in expect:
            body = response.content.decode(errors="replace")
            raise SystemExit(f"{action} as {role}: HTTP {response.status_code}\n{body[:2000]}")
        self.timings.setdefault(action, []).append((elapsed, cpu, len(queries.captured_queries)))
        return response

    def act(self, action: str, role: str, case, name: str, fields: dict, expect=(302,)):
        from django.urls import reverse

        from cases.models import Case

        version = Case.objects.values_list("version", flat=True).get(pk=case.pk)
        data = {"action": name, "version": version, **{f"{name}-{k}": v for k, v in fields.items()}}
        return self.post(action, role, reverse("cases:inspect", args=[case.pk]), data, expect)


def run_once(desk: _Desk, n: int) -> None:
    from django.urls import reverse

    from cases import services
    from cases.models import Case

    today = datetime.date.today()
    later = (today + datetime.timedelta(days=30)).isoformat()
    phone = f"137{n:08d}"
    desk.post("register", "window", reverse("cases:add"), {
        "channel": "counter", "hall": desk.hall.pk, "district": desk.hall.district_id,
        "reporter_type": "person", "reporter_name": "张某某", "reporter_phone": phone,
        "contact_preference": "phone", "matter": f"{MATTER}（第 {n} 次测量）",
    })
    case = Case.objects.filter(reporter_phone=phone).latest("pk")
    desk.act("triage", "triage", case, "triage", {"classification": "difficult", "blocking_cause": "legacy"})
    desk.act("dispatch", "triage", case, "dispatch", {
        "lead_department": desk.market.pk, "lead_task": "联系前租户办理简易注销",
        "co1_department": desk.co.pk, "co1_task": "核对清税情况",
    })
    desk.act("material", "window", case, "material_add", {
        "name": "租赁合同原件", "promised_date": (today + datetime.timedelta(days=3)).isoformat(),
        "supply_method": "mail",
    })
    desk.act("extension", "dept", case, "extension_request", {"new_deadline": later, "reason": "需等待前租户注销"})
    extension = case.extensions.get()
    desk.act("extension decide", "triage", case, "extension_decide", {"extension": extension.pk, "approve": "1"})
    lead = case.dispatches.get(department=desk.market)
    desk.act("reply", "dept", case, "reply", {"dispatch": lead.pk, "reply": "前租户已完成简易注销"})

    # A second case, dispatched to the same department, which hands it back.
    other = services.case_register(author=desk.window, channel="counter", hall=desk.hall, reporter_name="李某某",
                                   reporter_phone=f"136{n:08d}", matter=f"{MATTER}（退单 {n}）")
    services.case_triage(case=other, author=desk.triage, classification="difficult", blocking_cause="legacy")
    services.case_dispatch(case=other, author=desk.triage, lead_department=desk.market, lead_task="核实")
    returned = other.dispatches.get()
    desk.act("return", "dept", other, "return", {"dispatch": returned.pk, "reason": "不属本局职责，请改派"})
    desk.act("merge", "triage", case, "merge", {"tracking_number": other.tracking_number, "reason": "同一事项重复反映"})

    services.material_receive(material=case.materials.get(), author=desk.window)
    desk.act("close", "triage", case, "close", {
        "outcome": "done", "resolution_summary": "前租户已注销，营业执照已办好。", "confirm_withdraw": "on",
    })
    desk.act("rate", "triage", case, "rate", {"rating": "5", "comment": "办得快"})
    desk.act("visit", "triage", case, "return_visit", {"method": "phone", "notes": "反映人表示满意"})
    desk.act("draft article", "editor", case, "draft_article", {})


def drain_tasks() -> int:
    """Run what the actions queued (index updates, mail) outside the timings."""
    from django.core.management import call_command

    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.ready().count()
    if waiting:
        call_command("db_worker", batch=True, startup_delay=False, verbosity=0)
    return waiting


def time_actions(runs: int) -> list[tuple[str, float, float, float, int]]:
    from django.db import connection

    desk = _Desk()
    run_once(desk, 0)  # warm caches and code paths
    desk.timings.clear()
    drained = drain_tasks()
    for n in range(1, runs + 1):
        run_once(desk, n)
        drained += drain_tasks()
    rows = []
    for action, samples in desk.timings.items():
        times = [t for t, _c, _q in samples]
        cpu = [c for _t, c, _q in samples]
        rows.append((action, statistics.median(times), _percentile(times, 0.95), _percentile(cpu, 0.95),
                     max(q for _t, _c, q in samples)))
    print(f"{connection.vendor}: {runs} runs; {drained} queued follow-up tasks run by the worker between runs")
    return rows


def report(rows) -> None:
    # Wall time is what the member of staff waits for; the CPU time of this process (the
    # request, and SQLite's work, not a PostgreSQL server's) tells the action's own cost
    # apart from a busy machine's queueing.
    print("| action | role | median (ms) | p95 (ms) | p95 CPU (ms) | SQL queries |")
    print("|---|---|---|---|---|---|")
    roles = {"register": "window", "material": "window", "reply": "dept", "return": "dept",
             "extension": "dept", "draft article": "editor"}
    for action, median, p95, p95_cpu, queries in rows:
        print(f"| {action} | {roles.get(action, 'triage')} | {median:.0f} | {p95:.0f} | {p95_cpu:.0f} | {queries} |")
    slowest = max(rows, key=lambda row: row[2])
    print(f"slowest action: {slowest[0]} (p95 CPU of the slowest by CPU: {max(row[3] for row in rows):.0f} ms)")
    print(f"slowest action p95: {slowest[2]:.0f} ms")
