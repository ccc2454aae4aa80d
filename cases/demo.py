"""Demo data for the case desk: the seed story's cases with invented reporters.

Called by ``manage.py load_demo`` after the knowledge demo. Idempotent: each
story is keyed by an idempotency key and skipped when it already exists.
All names, phone numbers and ID numbers are invented (valid formats only).
"""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from cases import services
from cases.models import Case, ServiceHall, StaffProfile
from kernel import personal_data
from knowledge.models import Department, District, ServiceItem

DEMO_PASSWORD = "bancheng-demo"

HALLS = [
    ("嘉定区行政服务中心", "jiading"),
    ("虹口区政务服务中心", "hongkou"),
    ("青浦区行政服务中心", "qingpu"),
    ("崇明区行政服务中心", "chongming"),
    ("普陀区政务服务中心", "putuo"),
    ("曲阳路街道社区事务受理服务中心", "hongkou"),
]

USERS = [
    # username, group, description, profile (hall name, district code, department name)
    ("window", "窗口人员", "窗口人员（虹口区政务服务中心）：受理登记", ("虹口区政务服务中心", "hongkou", None)),
    ("triage", "研判员", "研判员（虹口区）：研判分办、办结归档", (None, "hongkou", None)),
    ("dept", "部门经办人", "部门经办人（虹口区市场监督管理局）：答复或退单", (None, "hongkou", "虹口区市场监督管理局")),
    ("supervisor", "督办", "督办：查看全部案件、提级督办", (None, None, None)),
]


def fake_id(body17: str) -> str:
    return body17 + personal_data.resident_id_check_char(body17)


def fake_credit_code(body17: str) -> str:
    return body17 + personal_data.credit_code_check_char(body17)


def _dept(name: str, district: District) -> Department:
    dept = Department.objects.filter(name=name).first()
    if dept is None:
        slug = f"demo-{abs(hash(name)) % 10**8}"
        dept = Department.objects.create(name=name, slug=slug, district=district)
    return dept


def _item(name: str):
    return ServiceItem.objects.filter(name=name).first()


def load_halls() -> dict[str, ServiceHall]:
    districts = {d.code: d for d in District.objects.all()}
    halls = {}
    for name, code in HALLS:
        hall, _ = ServiceHall.objects.get_or_create(name=name, defaults={"district": districts[code]})
        halls[name] = hall
    return halls


def load_users(halls) -> dict:
    User = get_user_model()
    districts = {d.code: d for d in District.objects.all()}
    users = {}
    for username, group_name, _desc, (hall_name, district_code, dept_name) in USERS:
        user, created = User.objects.get_or_create(
            username=username, defaults={"email": f"{username}@example.invalid"}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        user.groups.add(Group.objects.get(name=group_name))
        district = districts.get(district_code) if district_code else None
        StaffProfile.objects.update_or_create(
            user=user,
            defaults={
                "hall": halls.get(hall_name) if hall_name else None,
                "district": district,
                "department": _dept(dept_name, district) if dept_name else None,
            },
        )
        users[username] = user
    return users


def _days_ago(n: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=n)


def _story(key: str) -> bool:
    return not Case.objects.filter(idempotency_key=f"demo-{key}").exists()


def load_cases(halls, users) -> int:
    d = {x.code: x for x in District.objects.all()}
    window, triage, dept_user = users["window"], users["triage"], users["dept"]
    today = timezone.localdate()
    created = 0

    # 1. Hongkou restaurant blocked by the former tenant's unfinished deregistration: 办成, rated, archived.
    if _story("hk-restaurant"):
        market = _dept("虹口区市场监督管理局", d["hongkou"])
        bund = _dept("北外滩市场监管所", d["hongkou"])
        case = services.case_register(
            author=window, channel=Case.Channel.COUNTER, hall=halls["虹口区政务服务中心"],
            reporter_type=Case.ReporterType.ENTERPRISE, reporter_name="王某某", reporter_phone="13800000101",
            enterprise_name="上海某某餐饮管理有限公司", credit_code=fake_credit_code("91310109MA1G5B3C6"),
            matter="租下北外滩来福士广场的铺位开餐饮店，但同一铺位的前租户没有完成企业注销，我们办不了营业执照和食品经营许可，想赶在春节前开业。",
            service_item=_item("营业执照设立登记"), counter_name="市场监管综合窗口",
            counter_failure_reason="同一地址存在未注销企业，系统不能登记。",
            idempotency_key="demo-hk-restaurant", created_at=_days_ago(40),
        )
        services.case_triage(case=case, author=triage, classification="difficult", blocking_cause="legacy")
        services.case_dispatch(
            case=case, author=triage, lead_department=market, lead_task="协助前租户办理简易注销，并为新商户提速办理证照。",
            co_departments=[{"department": bund, "task": "联系商场物业和前租户。"}],
        )
        for dispatch in case.dispatches.all():
            services.dispatch_reply(dispatch=dispatch, author=dept_user, reply="前租户已完成简易注销，新商户证照已提速办理。")
        services.case_message_reporter(case=case, author=triage, text="前租户已完成简易注销，请携带材料到市场监管窗口办理营业执照。")
        services.case_close(case=case, author=triage, outcome=Case.Outcome.DONE,
                            resolution_summary="协调前租户完成简易注销，新商户按流程提速办理了营业执照和食品经营许可，已在春节前开业。")
        services.case_rate(case=case, rating=5, comment="让我能赶在春节消费旺季开张营业！")
        services.return_visit_record(case=case, author=triage, method="phone", notes="电话回访，商户已正常营业，表示满意。")
        services.case_archive(case=case, author=triage)
        created += 1

    # 2. Qingpu deregistration, unreachable shareholder with an old 15-digit ID: 办成, closed.
    if _story("qp-dereg"):
        qp_market = _dept("青浦区市场监督管理局", d["qingpu"])
        case = services.case_register(
            author=None, channel=Case.Channel.COUNTER, hall=halls["青浦区行政服务中心"],
            reporter_type=Case.ReporterType.ENTERPRISE, reporter_name="陈某某", reporter_phone="13800000102",
            reporter_id_number="310229750812153",  # invented 15-digit old-form ID, converted on save
            enterprise_name="上海某某贸易有限公司", credit_code=fake_credit_code("91310118MA1J7K2P4"),
            matter="注销公司需要通知另一个股东，但对方家住外地，已失联多年，身份证是15位的旧号码，查不到人。",
            service_item=_item("企业注销登记"), counter_name="企业注销窗口", counter_failure_reason="无法通知另一股东。",
            idempotency_key="demo-qp-dereg", created_at=_days_ago(30),
        )
        services.case_triage(case=case, author=None, classification="difficult", blocking_cause="legacy")
        services.case_dispatch(case=case, author=None, lead_department=qp_market,
                               lead_task="多渠道查找失联股东，推进注销。")
        services.dispatch_reply(dispatch=case.dispatches.get(), author=None,
                                reply="经派出所与网络平台查询到关联企业，已联系上另一股东。")
        services.case_close(case=case, author=None, outcome=Case.Outcome.DONE,
                            resolution_summary="通过关联企业找到另一名股东的联系方式，已办妥注销手续。")
        created += 1

    # 3. Chongming legal-representative change, ID original missing: 容缺 outstanding.
    if _story("cm-rongque"):
        cm_market = _dept("崇明区市场监督管理局", d["chongming"])
        case = services.case_register(
            author=None, channel=Case.Channel.COUNTER, hall=halls["崇明区行政服务中心"],
            reporter_type=Case.ReporterType.ENTERPRISE, reporter_name="刘某某", reporter_phone="13800000103",
            reporter_id_number=fake_id("11010519850623201"),
            enterprise_name="上海某某科技有限公司", credit_code=fake_credit_code("91310230MA1K3L5N8"),
            matter="从北京赶来办法定代表人变更，没带新法人的身份证原件，当天办不成要付违约金。",
            service_item=_item("法定代表人变更登记"), counter_name="企业登记窗口",
            counter_failure_reason="缺新法定代表人身份证原件。",
            materials=[{"name": "新法定代表人身份证原件", "promised_date": today + datetime.timedelta(days=3),
                        "supply_method": "mail"}],
            idempotency_key="demo-cm-rongque", created_at=_days_ago(2),
        )
        services.case_triage(case=case, author=None, classification="expedite", blocking_cause="missing_materials")
        services.case_dispatch(case=case, author=None, lead_department=cm_market,
                               lead_task="容缺受理，远程核验新法人信息，原件事后查验。")
        services.case_message_reporter(case=case, author=None,
                                       text="已容缺受理，请于承诺日期前通过公益邮寄寄送身份证原件供查验。")
        created += 1

    # 4. Putuo performance licence, to be moved fully online: open, dispatched.
    if _story("pt-perf"):
        culture = _dept("普陀区文化和旅游局", d["putuo"])
        office = _dept("普陀区人民政府办公室", d["putuo"])
        case = services.case_register(
            author=None, channel=Case.Channel.COUNTER, hall=halls["普陀区政务服务中心"],
            reporter_type=Case.ReporterType.ENTERPRISE, reporter_name="赵某某", reporter_phone="13800000104",
            enterprise_name="上海某某文化发展有限公司", credit_code=fake_credit_code("91310107MA1H2M4Q9"),
            matter="每场演出前都要申报营业性演出许可，每次打印50到上百页材料跑区文旅局，材料缺了还要二次申报，容易耽误演出。",
            service_item=_item("营业性演出许可"), idempotency_key="demo-pt-perf", created_at=_days_ago(5),
        )
        services.case_triage(case=case, author=None, classification="difficult", blocking_cause="system")
        services.case_dispatch(
            case=case, author=None, lead_department=culture, lead_task="梳理材料清单，推出全程网办。",
            co_departments=[{"department": office, "task": "在“随申办”普陀旗舰店上线事项。"}],
        )
        created += 1

    # 5. Quyang Road housing subsidy across departments: overdue.
    if _story("qy-housing"):
        housing = _dept("虹口区住房保障和房屋管理局", d["hongkou"])
        medical = _dept("虹口区医疗保障局", d["hongkou"])
        civil = _dept("虹口区民政局", d["hongkou"])
        case = services.case_register(
            author=None, channel=Case.Channel.COUNTER, hall=halls["曲阳路街道社区事务受理服务中心"],
            reporter_name="张某某", reporter_phone="13800000105", reporter_id_number=fake_id("31010919680415202"),
            matter="申请廉租房租金补助，窗口说我不符合标准。我身患大病，医药费很高，住房也困难。",
            service_item=_item("廉租住房租金补贴"), counter_name="住房保障窗口",
            counter_failure_reason="收入标准不符合廉租住房租金补贴条件。",
            idempotency_key="demo-qy-housing", created_at=_days_ago(20),
        )
        services.case_triage(case=case, author=None, classification="difficult", blocking_cause="unclear_responsibility",
                             deadline=today - datetime.timedelta(days=3))
        services.case_dispatch(
            case=case, author=None, lead_department=housing, lead_task="研判可适用的住房保障政策。",
            lead_deadline=today - datetime.timedelta(days=3),
            co_departments=[
                {"department": medical, "task": "核实医疗救助条件。", "deadline": today - datetime.timedelta(days=3)},
                {"department": civil, "task": "核实临时救助、帮困条件。", "deadline": today - datetime.timedelta(days=3)},
            ],
        )
        services.case_add_note(case=case, author=None, text="当班组长已协调住房保障、医疗保障、救助帮困条线。")
        created += 1

    # 6. Parking in the residential compound: out of scope, referred.
    if _story("parking"):
        case = services.case_register(
            author=window, channel=Case.Channel.HOTLINE, hall=halls["虹口区政务服务中心"],
            reporter_name="孙某某", reporter_phone="13800000106",
            matter="小区停车难，晚上回家找不到车位，希望政府解决。",
            idempotency_key="demo-parking", created_at=_days_ago(10),
        )
        services.case_triage(
            case=case, author=triage, classification="out_of_scope", blocking_cause="other",
            referred_to="所在街道及小区业委会、物业", referral_reason="小区停车属于物业管理和基层治理事项，不属于政务服务事项。",
        )
        services.case_close(case=case, author=triage, outcome=Case.Outcome.REFERRED,
                            resolution_summary="已告知您向所在街道和小区业委会反映，我们已将情况转给街道。")
        created += 1

    # 7. A fresh online report waiting for triage.
    if _story("online-new"):
        services.case_register(
            author=None, channel=Case.Channel.ONLINE, district=d["hongkou"],
            reporter_name="周某某", reporter_phone="13800000107",
            matter="食品经营许可证到期延续，系统提示新老政策衔接期材料要求不一致，窗口说等通知。",
            service_item=_item("食品经营许可"), idempotency_key="demo-online-new", created_at=_days_ago(1),
        )
        created += 1

    # 8. The restaurant story again, twice: with story 1 it makes a recurring
    #    class in 一类事 (3 cases in 60 days), the report's reason to exist.
    for key, days, name, phone, enterprise, matter in [
        ("hk-tenant-2", 12, "刘某某", "13800000108", "上海某某小吃店有限公司",
         "新租的临街店面原来的租户公司一直没注销，地址被占用，我们的营业执照和食品经营许可都办不下来。"),
        ("hk-tenant-3", 4, "孙某某", "13800000109", "上海某某餐饮有限公司",
         "商场铺位的前租户企业未完成注销，新商户办不了营业执照，前租户也联系不上，窗口说要先注销。"),
    ]:
        if not _story(key):
            continue
        case = services.case_register(
            author=window, channel=Case.Channel.COUNTER, hall=halls["虹口区政务服务中心"],
            reporter_type=Case.ReporterType.ENTERPRISE, reporter_name=name, reporter_phone=phone,
            enterprise_name=enterprise, matter=matter, service_item=_item("营业执照设立登记"), counter_name="市场监管综合窗口",
            counter_failure_reason="同一地址存在未注销企业，系统不能登记。",
            idempotency_key=f"demo-{key}", created_at=_days_ago(days),
        )
        services.case_triage(case=case, author=triage, classification="difficult", blocking_cause="legacy")
        services.case_dispatch(
            case=case, author=triage, lead_department=_dept("虹口区市场监督管理局", d["hongkou"]),
            lead_task="协助前租户办理简易注销，并为新商户提速办理证照。",
        )
        created += 1
    return created


# Issue 5: the demo cases resolved by a published article ("这篇指引解决了").
DEMO_ARTICLE_LINKS = [
    ("demo-hk-restaurant", "qianzuhu-weizhuxiao-banbuliao-zhengzhao"),
    ("demo-qp-dereg", "gudong-shilian-15wei-shenfenzheng-zhuxiao"),
    ("demo-parking", "xiaoqu-tingche-nan-zhao-shei"),
]


def load_article_links(users) -> int:
    from cases.models import CaseArticleLink
    from knowledge.models import SolutionArticlePage

    made = 0
    for key, slug in DEMO_ARTICLE_LINKS:
        case = Case.objects.filter(idempotency_key=key).first()
        page = SolutionArticlePage.objects.live().filter(slug=slug).first()
        if case is None or page is None or CaseArticleLink.objects.filter(case=case, page=page).exists():
            continue
        services.case_link_article(case=case, page=page, author=users["triage"])
        made += 1
    return made


def logins_text() -> str:
    lines = [f"办不成事工作台演示账号（/admin/，密码均为 {DEMO_PASSWORD}）："]
    lines += [f"  {username:<11} {desc}" for username, _group, desc, _profile in USERS]
    lines.append("  在线反映：/report/    进度查询：/report/status/（受理编号 + 联系电话后四位）")
    return "\n".join(lines)


def load(stdout=None) -> None:
    with transaction.atomic():
        halls = load_halls()
        users = load_users(halls)
        created = load_cases(halls, users)
        load_article_links(users)
    if stdout is not None:
        stdout.write(f"办不成事工作台：新增演示案件 {created} 件。")
        stdout.write(logins_text())
