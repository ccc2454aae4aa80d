"""Demo content built from the seed story's real cases (no real person's data).

``load()`` is idempotent: every record is looked up by a stable key (slug,
name or document number) and only created when missing, so running
``manage.py load_demo`` twice changes nothing.
"""

from __future__ import annotations

import datetime
import json
import logging

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from wagtail.models import Site

from .models import (
    Department,
    District,
    Policy,
    PolicyTransitionGuidePage,
    RequiredMaterial,
    ServiceItem,
    SolutionArticlePage,
    TopicIndexPage,
)

logger = logging.getLogger(__name__)

DEMO_PASSWORD = "bancheng-demo"

DEMO_USERS = [
    # username, group, superuser, description
    ("admin", "管理员", True, "管理员（超级用户）"),
    ("editor", "编辑", False, "编辑：起草指引，提交审核"),
    ("reviewer", "审核", False, "审核：审核并发布"),
    ("liaison", "部门联络员", False, "部门联络员（虹口区市场监督管理局）：部门会签"),
]

# slug, name, short name, district code, phone, address, hours, description
DEPARTMENTS = [
    ("hk-zwfw", "虹口区政务服务中心", "虹口政务中心", "hongkou", "021-65010000", "虹口区政务服务中心一楼", "工作日 9:00-17:00", "“一门式”综合受理，设“办不成事”反映窗口。"),
    ("hk-scjg", "虹口区市场监督管理局", "虹口区市场监管局", "hongkou", "021-65010001", "", "工作日 9:00-17:00", "市场主体登记、食品经营许可等。"),
    ("hk-bwt-scjgs", "北外滩市场监管所", "北外滩所", "hongkou", "021-65010002", "", "工作日 9:00-17:00", "北外滩地区市场主体日常监管与服务。"),
    ("hk-fgj", "虹口区住房保障和房屋管理局", "虹口区房管局", "hongkou", "021-65010003", "", "工作日 9:00-17:00", "廉租住房、公共租赁住房等住房保障。"),
    ("hk-ybj", "虹口区医疗保障局", "虹口区医保局", "hongkou", "021-65010004", "", "工作日 9:00-17:00", "医疗保险、医疗救助。"),
    ("hk-mzj", "虹口区民政局", "虹口区民政局", "hongkou", "021-65010005", "", "工作日 9:00-17:00", "社会救助、帮困。"),
    ("hk-qylsq", "曲阳路街道社区事务受理服务中心", "曲阳路受理中心", "hongkou", "021-65010006", "", "工作日 9:00-17:00", "街道社区事务“一口受理”。"),
    ("qp-xzfw", "青浦区行政服务中心", "青浦区行政服务中心", "qingpu", "021-59720000", "", "工作日 9:00-17:00", "设“办不成事”反映窗口，窗口管理科负责协调。"),
    ("qp-scjg", "青浦区市场监督管理局", "青浦区市场监管局", "qingpu", "021-59720001", "", "工作日 9:00-17:00", "企业设立、变更、注销登记。"),
    ("cm-xzfw", "崇明区行政服务中心", "崇明区行政服务中心", "chongming", "021-69690000", "", "工作日 9:00-17:00", "推行容缺受理，固化电话办、微信办、公益邮寄办。"),
    ("cm-scjg", "崇明区市场监督管理局", "崇明区市场监管局", "chongming", "021-69690001", "", "工作日 9:00-17:00", "企业登记注册。"),
    ("pt-wlj", "普陀区文化和旅游局", "普陀区文旅局", "putuo", "021-52560000", "", "工作日 9:00-17:00", "营业性演出许可等文化市场审批。"),
    ("pt-fb", "普陀区人民政府办公室", "普陀区府办", "putuo", "021-52560001", "", "工作日 9:00-17:00", "统筹“一网通办”和综合窗口管理平台。"),
    ("pt-zwfw", "普陀区政务服务中心", "普陀政务中心", "putuo", "021-52560002", "", "工作日 9:00-17:00", "综合窗口，设“办不成事”反映窗口和问题案例库。"),
    ("jd-xzfw", "嘉定区行政服务中心", "嘉定区行政服务中心", "jiading", "021-59990000", "", "工作日 9:00-17:00", "集成 31 家职能部门 600 多个事项，“办不成事”闭环流程。"),
    ("sh-12345", "上海市民服务热线", "12345 热线", None, "12345", "", "全天 24 小时", "非紧急类政务咨询、投诉、求助和建议。"),
]

# name, code, department slug
SERVICE_ITEMS = [
    ("企业简易注销", "SC-ZX-01", "hk-scjg"),
    ("企业注销登记", "SC-ZX-02", "qp-scjg"),
    ("食品经营许可", "SC-SP-01", "hk-scjg"),
    ("营业执照设立登记", "SC-DJ-01", "hk-scjg"),
    ("法定代表人变更登记", "SC-BG-01", "cm-scjg"),
    ("营业性演出许可", "WL-YC-01", "pt-wlj"),
    ("廉租住房租金补贴", "FG-LZ-01", "hk-fgj"),
    ("医疗救助", "YB-JZ-01", "hk-ybj"),
    ("临时救助", "MZ-JZ-01", "hk-mzj"),
]

# key, title, issuing body, number, effective, expiry, status, summary, service items
POLICIES = [
    ("simple-dereg", "关于深化企业简易注销登记改革的实施意见", "上海市市场监督管理局", "沪市监注〔2021〕58号",
     datetime.date(2021, 7, 1), None, "current",
     "未开业或无债权债务的企业可申请简易注销，公示期 20 日，无异议即可办结。", ["企业简易注销"]),
    ("dereg-facilitation", "上海市企业注销便利化工作指引", "上海市市场监督管理局", "沪市监规〔2022〕3号",
     datetime.date(2022, 3, 1), None, "current",
     "股东无法取得联系等情形下，通过多渠道查找、公告等方式推进注销。", ["企业注销登记", "企业简易注销"]),
    ("rongque-trial", "上海市政务服务容缺受理工作试行办法", "上海市人民政府办公厅", "沪府办〔2022〕31号",
     datetime.date(2022, 4, 1), datetime.date(2023, 6, 1), "superseded",
     "试行：主要材料齐全、次要材料欠缺的，经申请人承诺可先行受理。", ["法定代表人变更登记", "食品经营许可"]),
    ("rongque", "上海市政务服务容缺受理工作办法", "上海市人民政府办公厅", "沪府办规〔2023〕12号",
     datetime.date(2023, 6, 1), None, "current",
     "容缺受理转为长效机制；明确电话办、微信办、公益邮寄办等材料补齐方式。", ["法定代表人变更登记", "食品经营许可"]),
    ("perf-offline", "普陀区营业性演出许可办理规程", "普陀区文化和旅游局", "普文旅〔2021〕15号",
     datetime.date(2021, 9, 1), datetime.date(2023, 5, 1), "superseded",
     "营业性演出许可须提交纸质材料至区文旅局窗口线下办理。", ["营业性演出许可"]),
    ("perf-online", "关于营业性演出许可事项全程网办的实施方案", "普陀区人民政府办公室", "普府办〔2023〕8号",
     datetime.date(2023, 5, 1), None, "current",
     "在“随申办”普陀旗舰店全程网办，逐项上传材料，智能校验，免于二次申报。", ["营业性演出许可"]),
    ("low-rent", "上海市廉租住房租金配租实施细则", "上海市住房和城乡建设管理委员会", "沪房规范〔2022〕6号",
     datetime.date(2022, 7, 1), None, "current",
     "廉租住房租金补贴的收入、财产和住房困难标准及申请程序。", ["廉租住房租金补贴"]),
    ("medical-aid", "上海市医疗救助实施办法", "上海市医疗保障局", "沪医保规〔2023〕4号",
     datetime.date(2023, 1, 1), None, "current",
     "对因病致贫、支出型贫困家庭的医疗费用给予救助。", ["医疗救助"]),
    ("yiwang", "2023年上海市全面深化“一网通办”改革工作要点", "上海市人民政府办公厅", "沪府办发〔2023〕5号",
     datetime.date(2023, 3, 1), None, "current",
     "优化拓展线上线下帮办服务，建立“办不成事”反映、帮办、整改闭环联动机制。", []),
]

# slug, title, icon, introduction
TOPICS = [
    ("qiye-kaiban", "企业开办与变更", "开", "开办企业、办理证照、变更登记中遇到的难事。"),
    ("qiye-zhuxiao", "企业注销", "销", "简易注销、普通注销，股东失联等疑难情形。"),
    ("wenhua-lvyou", "文化旅游", "文", "营业性演出许可等文化旅游类事项。"),
    ("shehui-jiuzhu", "社会救助与住房保障", "助", "廉租住房、医疗救助、困难帮扶，一次问清能申请什么。"),
    ("rongque-shouli", "容缺受理", "容", "材料不齐时能不能先受理、事后怎么补。"),
    ("zixun-zhuanban", "办事咨询与转办", "问", "“办不成事”反映窗口怎么用，哪些事该找哪个渠道。"),
]


def _rt(*paragraphs: str) -> str:
    return "".join(f"<p>{p}</p>" for p in paragraphs)


def _ul(*items: str) -> str:
    return "<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"


def _step(title, body, where="", time_limit=""):
    return {"type": "step", "value": {"title": title, "body": body, "where": where, "time_limit": time_limit}}


def _notice(text):
    return {"type": "notice", "value": text}


def _q(question, answer):
    return {"type": "question", "value": {"question": question, "answer": answer}}


# Articles. review: (last_reviewed offset days, review_due offset days) relative to today.
ARTICLES = [
    {
        "topic": "qiye-kaiban",
        "slug": "qianzuhu-weizhuxiao-banbuliao-zhengzhao",
        "title": "租下的铺位前租户没注销，新店办不了证照怎么办",
        "summary": "同一经营场所上还登记着未注销的前租户，新商户无法办理营业执照和食品经营许可时，由“办不成事”反映窗口协调前租户完成简易注销，再提速办证。",
        "problem": "我已经租下商场铺位准备开餐饮店，去办营业执照时被告知：这个地址上还登记着前租户的公司，没注销，所以我的证照办不了。前租户我联系不上，眼看春节旺季就要到了，店却开不了张。",
        "applies_to": "在商场、园区等经营场所承租铺位，因同一地址登记的前租户企业尚未注销而无法办理设立登记或食品经营许可的个体工商户和企业。",
        "steps": [
            _step("到“办不成事”反映窗口登记", _rt("带上租赁合同和身份证件，说明铺位地址、前租户名称（营业执照或门头照片上能看到）以及您准备开业的时间。"), "所在区政务服务中心“办不成事”反映窗口", "当场登记"),
            _step("窗口联合市场监管部门研判", _rt("窗口会同区市场监管局核实前租户的登记状态：是否未开业、是否有债权债务，判断能否走简易注销。")),
            _step("分头联系商场物业和前租户", _rt("区政务服务中心联系商场物业，市场监管所联系前租户，说明情况并指导其在网上提交简易注销申请。"), "", "一般 3 个工作日内联系到位"),
            _step("前租户完成简易注销", _rt("简易注销公示期 20 日，期满无异议即办结。公示期间您可以先准备好自己的申请材料。"), "“一网通办”企业注销平台", "公示 20 日"),
            _step("提速办理您的证照", _rt("前租户注销后，营业执照和食品经营许可按流程提速办理，可同时申请。"), "区政务服务中心市场监管窗口"),
            _notice("前租户确实无法联系的，窗口会协调市场监管部门按规定处理经营场所登记冲突，不要自行更改登记地址。"),
        ],
        "materials": [
            ("租赁合同", "载明铺位地址和租期", False, ""),
            ("经营者身份证件", "法定代表人或经营者本人", False, ""),
            ("前租户信息", "企业名称或门头照片，能提供统一社会信用代码更好", True, "电话告知、微信发送照片"),
            ("食品经营许可申请材料", "场所平面图、设备布局等", False, ""),
        ],
        "departments": ["hk-zwfw", "hk-scjg", "hk-bwt-scjgs"],
        "policies": ["simple-dereg"],
        "items": ["企业简易注销", "营业执照设立登记", "食品经营许可"],
        "districts": ["hongkou"],
        "tags": ["简易注销", "经营场所", "跨部门协调", "餐饮"],
        "cases": 3,
        "effective": datetime.date(2023, 1, 10),
        "review": (-40, 320),
    },
    {
        "topic": "qiye-zhuxiao",
        "slug": "gudong-shilian-15wei-shenfenzheng-zhuxiao",
        "title": "另一名股东失联多年、身份证还是15位老号码，公司怎么注销",
        "summary": "注销公司需要通知其他股东，股东失联且身份证号为15位旧号码查不到时，窗口协助升位查询、联系当地派出所、查找关联企业，找到人后办结注销。",
        "problem": "我想把公司注销掉，窗口说要通知另一个股东。可他住在外地，已经失联好多年了，身份证号还是以前那种15位的，系统里查不到，注销一直办不下去。",
        "applies_to": "有限责任公司办理注销登记时，其他股东长期失联、身份信息陈旧（如15位身份证号码）而无法完成通知或签字的企业。",
        "steps": [
            _step("向“办不成事”反映窗口说明情况", _rt("说明失联股东的姓名、最后已知的住址和身份证号码（15位也可以）。"), "区行政服务中心“办不成事”反映窗口"),
            _step("15位号码升位后查询", _rt("15位身份证号码可按规则转换为18位（补出生年份“19”和校验码），窗口按新号码重新查询登记信息。")),
            _step("联系户籍地派出所", _rt("仍查不到的，窗口协助联系户籍地派出所了解情况，例如是否已经拆迁、迁移。")),
            _step("查找关联企业和公开渠道", _rt("通过企业信用信息等公开渠道查找该股东参股或任职的其他企业，取得联系方式。")),
            _step("联系上股东后办结注销", _rt("取得股东同意或完成法定通知后，按普通注销或简易注销流程办结。"), "“一网通办”企业注销平台"),
            _notice("确实无法联系的，可按《上海市企业注销便利化工作指引》通过公告等方式处理，具体由市场监管部门研判。"),
        ],
        "materials": [
            ("注销申请书", "全体股东签署，失联股东可按指引另行处理", False, ""),
            ("股东会决议或决定", "", False, ""),
            ("失联股东的已知信息", "姓名、15位或18位身份证号码、最后住址", True, "电话告知"),
            ("清税证明", "税务部门出具", False, ""),
        ],
        "departments": ["qp-xzfw", "qp-scjg"],
        "policies": ["dereg-facilitation", "simple-dereg"],
        "items": ["企业注销登记"],
        "districts": ["qingpu"],
        "tags": ["企业注销", "股东失联", "15位身份证"],
        "cases": 2,
        "effective": datetime.date(2022, 3, 1),
        "review": (-60, 300),
    },
    {
        "topic": "qiye-kaiban",
        "slug": "fading-daibiaoren-biangeng-shenfenzheng-yuanjian-rongque",
        "title": "变更法定代表人，新法人身份证原件没带来能办吗",
        "summary": "主要材料齐全、只缺新法定代表人身份证原件时，可以容缺受理：当场远程核验新法人信息，原件事后补验，不必再跑一趟。",
        "problem": "我们三个人从北京赶过来办公司法人变更，窗口说新法人的身份证原件没带，不能受理。今天办不完合同就要违约罚款，其他材料都是齐的。",
        "applies_to": "办理法定代表人变更登记，主要材料齐全、仅缺少新法定代表人身份证原件等次要材料的企业。",
        "steps": [
            _step("向“办不成事”反映窗口求助", _rt("说明缺少的材料和急办的原因（例如违约风险）。"), "区行政服务中心“办不成事”反映窗口", "当场"),
            _step("业务部门评估能否容缺", _rt("主要材料符合要求的，业务部门可决定容缺受理。")),
            _step("当场远程核验新法人信息", _rt("通过视频或实名认证方式远程核验新法定代表人身份。"), "", "约 10 分钟"),
            _step("签署容缺承诺并受理", _rt("申请人书面承诺在约定日期前补交所缺材料，窗口当场受理。")),
            _step("事后补验原件", _rt("可选择电话办、微信办或公益邮寄办补齐材料，见《容缺受理后，缺的材料怎么补》。")),
        ],
        "materials": [
            ("变更登记申请书", "", False, ""),
            ("股东会决议", "关于变更法定代表人", False, ""),
            ("新法定代表人身份证原件", "可容缺：先远程核验，原件事后查验", True, "电话办、微信办、公益邮寄办"),
            ("营业执照正副本", "", False, ""),
        ],
        "departments": ["cm-xzfw", "cm-scjg"],
        "policies": ["rongque"],
        "items": ["法定代表人变更登记"],
        "districts": ["chongming"],
        "tags": ["容缺受理", "法定代表人变更", "远程核验"],
        "cases": 5,
        "effective": datetime.date(2023, 6, 1),
        "review": (-20, 340),
    },
    {
        "topic": "wenhua-lvyou",
        "slug": "yingyexing-yanchu-xuke-quancheng-wangban",
        "title": "营业性演出许可怎么在“随申办”上全程网办",
        "summary": "每场演出前申报营业性演出许可，不用再打印几十上百页材料跑区文旅局：在“随申办”普陀旗舰店按指引逐项上传，约 5 分钟完成申报。",
        "problem": "每场演出前都要申报营业性演出许可，每次都要打印一叠材料，少则50页多则上百页，再赶到区文旅局线下办理。演出时间紧，材料一缺还得二次申报，容易耽误演出。",
        "applies_to": "在普陀区举办营业性演出的演出场所经营单位、演出经纪机构。",
        "steps": [
            _step("登录“随申办”普陀旗舰店", _rt("使用法人一证通或电子营业执照登录，找到“营业性演出许可”。"), "“随申办”App 或网页", ""),
            _step("按指引逐项上传材料", _rt("系统逐项提示所需材料；某项材料不匹配时会弹窗提醒，并提供正确样张参考。"), "", "约 5 分钟"),
            _step("在线提交，等待审核", _rt("提交后可在线查看办理进度，不需要到现场递交纸质材料。"), "", "按承诺时限办结"),
            _step("领取电子许可", _rt("审核通过后下载电子许可证件。")),
            _notice("演出时间特别紧急的，可在提交后拨打区文旅局咨询电话说明情况。"),
        ],
        "materials": [
            ("演出申请表", "在线填写", False, ""),
            ("演出合同或协议", "扫描件上传", False, ""),
            ("演员身份证明", "扫描件上传", False, ""),
            ("节目内容说明", "", False, ""),
        ],
        "departments": ["pt-wlj", "pt-fb"],
        "policies": ["perf-online"],
        "items": ["营业性演出许可"],
        "districts": ["putuo"],
        "tags": ["营业性演出许可", "全程网办", "随申办"],
        "cases": 4,
        "effective": datetime.date(2023, 5, 1),
        "review": (-30, 330),
    },
    {
        "topic": "shehui-jiuzhu",
        "slug": "lianzufang-butie-buhege-dabing-kunnan-bangfu",
        "title": "不符合廉租房租金补贴条件，但家里有大病、住房困难，还能申请哪些帮助",
        "summary": "廉租住房租金补贴审核不符合标准时，“办不成事”反映窗口会协调住房保障、医疗保障、救助帮困等部门，按困难类型找到能申请的补助。",
        "problem": "我去街道申请廉租房租金补助，工作人员说我不符合标准。可我得了大病，医药费很高，住房也很困难，难道就没有办法了吗？",
        "applies_to": "申请廉租住房租金补贴未获通过，但存在大病医疗支出、住房困难等其他困难的本市居民家庭。",
        "steps": [
            _step("在受理中心说明全部困难情况", _rt("除住房外，把医疗支出、家庭收入变化等情况一并说明，窗口当班组长会统筹研判。"), "街道社区事务受理服务中心", "当场"),
            _step("多条线联合研判", _rt("窗口协调住房保障、医疗保障、救助帮困等条线人员，判断适用的政策。")),
            _step("按困难类型申请补助", _rt("可能适用的包括：医疗救助、支出型贫困家庭生活救助、临时救助等。"), "街道社区事务受理服务中心", "按各项政策时限"),
            _step("跟踪回访", _rt("窗口会跟踪各项申请的结果，并在办结后回访。")),
        ],
        "materials": [
            ("身份证件、户口簿", "", False, ""),
            ("医疗费用票据和诊断证明", "用于医疗救助和支出型贫困认定", True, "事后补交、公益邮寄"),
            ("家庭收入和财产情况说明", "", False, ""),
            ("住房情况证明", "租赁合同等", True, "事后补交"),
        ],
        "departments": ["hk-qylsq", "hk-fgj", "hk-ybj", "hk-mzj"],
        "policies": ["low-rent", "medical-aid"],
        "items": ["廉租住房租金补贴", "医疗救助", "临时救助"],
        "districts": ["hongkou"],
        "tags": ["廉租房", "医疗救助", "困难帮扶", "跨部门协调"],
        "cases": 2,
        "effective": datetime.date(2023, 1, 1),
        "review": (-50, 310),
    },
    {
        "topic": "rongque-shouli",
        "slug": "rongque-shouli-cailiao-zenme-bu",
        "title": "容缺受理后，缺的材料怎么补：电话办、微信办、公益邮寄办",
        "summary": "容缺受理的事项，所缺材料不必再专门跑一趟：可以通过电话核验、微信发送或公益邮寄补齐，按承诺日期补交即可。",
        "problem": "窗口给我容缺受理了，但还差一份材料。我住得远，能不能不再专门跑一趟？",
        "applies_to": "已经容缺受理、需要在承诺日期前补交材料的企业和群众。",
        "steps": [
            _step("确认所缺材料和补交期限", _rt("受理时窗口会出具容缺材料清单，写明材料、补交方式和日期。"), "", "受理当场"),
            _step("选择补交方式", _ul("电话办：可电话核验的信息，由窗口回拨核实；", "微信办：扫描件或照片通过政务微信发送；", "公益邮寄办：原件通过公益邮寄寄送，邮费由政务服务中心承担；", "现场办：方便时到窗口补交。")),
            _step("按期补齐", _rt("补交期限前会收到提醒。逾期未补又无正当理由的，已受理事项可能被终止。"), "", "承诺日期前"),
        ],
        "materials": [
            ("容缺材料清单", "受理时窗口出具", False, ""),
            ("所缺材料", "按清单补交", True, "电话办、微信办、公益邮寄办、现场办"),
        ],
        "departments": ["cm-xzfw", "jd-xzfw"],
        "policies": ["rongque"],
        "items": ["法定代表人变更登记", "食品经营许可"],
        "districts": [],
        "tags": ["容缺受理", "材料补交", "公益邮寄"],
        "cases": 7,
        "effective": datetime.date(2023, 6, 1),
        "review": (-15, 345),
    },
    {
        "topic": "zixun-zhuanban",
        "slug": "xiaoqu-tingche-nan-zhao-shei",
        "title": "小区停车难这类问题该找谁反映",
        "summary": "小区停车难等问题不属于政务服务事项，“办不成事”反映窗口不直接办理，会告诉您合适的渠道并帮您转过去。",
        "problem": "我们小区停车特别难，晚上回来根本没有车位，我到“办不成事”窗口反映，这事能帮办吗？",
        "applies_to": "反映小区停车、物业管理、邻里纠纷等非政务服务事项的群众。",
        "steps": [
            _step("先判断是不是政务服务事项", _rt("“办不成事”反映窗口受理的是政务服务中办不成的事项；小区停车、物业纠纷通常不在其中。")),
            _step("找对渠道", _ul("小区内部停车：向业主委员会、物业服务企业反映；", "周边道路停车和收费：拨打 12345 市民服务热线；", "涉及违法停车：向公安交通管理部门反映。"), "", ""),
            _step("窗口帮您转办", _rt("在窗口登记的，工作人员会说明转办理由并告诉您转到了哪里，您可以用登记编号查询进度。")),
        ],
        "materials": [],
        "departments": ["sh-12345", "jd-xzfw"],
        "policies": [],
        "items": [],
        "districts": [],
        "tags": ["非政务服务", "转办", "停车"],
        "cases": 6,
        "effective": None,
        # Deliberately overdue so the 待复核指引 report has something to show.
        "review": (-400, -35),
    },
    {
        "topic": "zixun-zhuanban",
        "slug": "xinlao-zhengce-xianjie-banbucheng",
        "title": "新老政策衔接期间办不成事，去哪里反映、怎么办",
        "summary": "政策文件更新后，窗口一时还按老办法或新办法办不了的事项，可统一到“办不成事”反映窗口，由窗口协调业务部门明确适用哪个政策。",
        "problem": "政策刚换了，窗口说老办法不能用了，新办法的系统还没开通，我的事卡在中间没人能办。",
        "applies_to": "在新旧政策衔接阶段办理事项受阻的企业和群众。",
        "steps": [
            _step("查看有没有对应的政策衔接指引", _rt("本站的“新旧政策衔接指引”会说明新政策的施行日期、过渡期和衔接期间怎么办，可以输入事项开始日期查看适用哪个政策。")),
            _step("到“办不成事”反映窗口登记", _rt("说明事项开始办理的日期、窗口给出的答复。"), "各区政务服务中心“办不成事”反映窗口"),
            _step("窗口协调业务部门", _rt("窗口协调业务部门明确适用的政策，需要时启动过渡安排或容缺受理。"), "", "一般 5 个工作日内答复"),
        ],
        "materials": [
            ("已办理的材料或受理回执", "能证明事项开始日期的材料", True, "微信办、事后补交"),
        ],
        "departments": ["jd-xzfw", "hk-zwfw"],
        "policies": ["yiwang"],
        "items": [],
        "districts": [],
        "tags": ["新老政策衔接", "办不成事反映窗口"],
        "cases": 3,
        "effective": datetime.date(2023, 3, 1),
        "review": (-10, 350),
    },
    {
        "topic": "zixun-zhuanban",
        "slug": "banbucheng-shi-fanying-chuangkou-zenme-bang",
        "title": "在正常窗口办不成的事，“办不成事”反映窗口怎么帮你办",
        "summary": "“办不成事”反映窗口按受理登记、研判分办、跟踪评价、案例归档的闭环流程，把办不了、不会办、难办、要快办的事分类处理。",
        "problem": "我在窗口被告知“按规定办不了”，可我的情况确实特殊，还能找谁？",
        "applies_to": "在政务服务窗口办理事项受阻的企业和群众。",
        "steps": [
            _step("受理登记", _rt("到政务服务中心“办不成事”反映窗口，或在本站“在线反映”，说明要办的事项和卡在哪里。"), "各区政务服务中心", "当场登记"),
            _step("研判分办", _rt("窗口把事项分为：因法律法规限制确实“办不了”的（告知依据和替代途径）、对政策了解不全面“不会办”的、专业性强的“难办”事、需要提速的“快办”事，分派给主办和协办部门。")),
            _step("跟踪评价", _rt("窗口跟踪办理进度，办结后请您评价（好差评）。")),
            _step("案例归档", _rt("办成的事整理成案例和办事指引，让同类事项以后在正常窗口就能办成。")),
        ],
        "materials": [("身份证件或营业执照", "", False, ""), ("已办理材料、窗口答复", "有就带上", True, "事后补交")],
        "departments": ["jd-xzfw", "hk-zwfw", "pt-zwfw"],
        "policies": ["yiwang"],
        "items": [],
        "districts": [],
        "tags": ["办不成事反映窗口", "闭环流程"],
        "cases": 9,
        "effective": datetime.date(2023, 3, 1),
        "review": (-5, 360),
    },
]

GUIDES = [
    {
        "topic": "wenhua-lvyou",
        "slug": "yingyexing-yanchu-xuke-wangban-xianjie",
        "title": "营业性演出许可改为全程网办：新旧办理方式衔接",
        "summary": "自 2023 年 5 月 1 日起，普陀区营业性演出许可改为在“随申办”全程网办；此前已线下递交的申请按原规程办完。",
        "old": "perf-offline",
        "new": "perf-online",
        "effective": datetime.date(2023, 5, 1),
        "transition_end": datetime.date(2023, 6, 30),
        "what_changed": _ul("申报渠道：区文旅局窗口线下递交 → “随申办”普陀旗舰店全程网办；", "材料：纸质 50～100 多页 → 逐项上传电子材料，智能校验并提供样张；", "补正：材料缺失需二次申报 → 在线即时提示补正。"),
        "transition": _rt("2023 年 6 月 30 日前，已在窗口线下递交、尚未办结的申请继续按原规程办理；过渡期内新申请可自愿选择线下或网办，过渡期后一律网办。"),
        "affected": "在普陀区举办营业性演出的演出场所经营单位和演出经纪机构。",
        "gap": _rt("线下申请在过渡期内未办结的，可到区政务服务中心“办不成事”反映窗口说明，由窗口协调区文旅局转为网办继续办理，已交材料不用重复提交。"),
        "faq": [
            _q("过渡期后还能去窗口递交纸质材料吗？", _rt("不能。过渡期后请通过“随申办”网办；不熟悉操作的，可到区政务服务中心帮办窗口请工作人员协助。")),
            _q("网办提交后发现材料有误怎么办？", _rt("系统会提示补正，按提示在线补充即可，不需要重新申报。")),
        ],
        "related": ["yingyexing-yanchu-xuke-quancheng-wangban"],
        "departments": ["pt-wlj", "pt-fb"],
        "items": ["营业性演出许可"],
        "districts": ["putuo"],
        "tags": ["营业性演出许可", "全程网办", "新老政策衔接"],
        "review": (-30, 330),
    },
    {
        "topic": "rongque-shouli",
        "slug": "rongque-shouli-shixing-zhuan-changtai",
        "title": "容缺受理由试行转为长效机制：新旧办法衔接",
        "summary": "《上海市政务服务容缺受理工作办法》自 2023 年 6 月 1 日起施行，替代试行办法；容缺受理从“临时措施”变为“长效举措”，补交方式固定为电话办、微信办、公益邮寄办。",
        "old": "rongque-trial",
        "new": "rongque",
        "effective": datetime.date(2023, 6, 1),
        "transition_end": datetime.date(2023, 8, 31),
        "what_changed": _ul("适用范围：试点事项 → 清单内全部事项；", "补交方式：窗口各自约定 → 统一为电话办、微信办、公益邮寄办、现场办；", "补交期限：由承诺书约定，到期前提醒。"),
        "transition": _rt("2023 年 6 月 1 日前已按试行办法容缺受理的事项，按原承诺期限补交；8 月 31 日前到期的，可申请按新办法延长一次。"),
        "affected": "在本市政务服务中心办理清单内事项、材料暂不齐全的企业和群众。",
        "gap": _rt("不确定自己的事项是否在容缺清单内的，可在窗口或“办不成事”反映窗口询问；窗口拒绝容缺受理的，会说明理由。"),
        "faq": [
            _q("什么样的材料可以容缺？", _rt("一般是次要材料或可事后核验的原件；主要材料必须齐全。")),
            _q("公益邮寄要付邮费吗？", _rt("不用，邮费由政务服务中心承担。")),
        ],
        "related": ["rongque-shouli-cailiao-zenme-bu", "fading-daibiaoren-biangeng-shenfenzheng-yuanjian-rongque"],
        "departments": ["cm-xzfw", "jd-xzfw"],
        "items": ["法定代表人变更登记", "食品经营许可"],
        "districts": [],
        "tags": ["容缺受理", "新老政策衔接"],
        "review": (-20, 340),
    },
]


def _say(stdout, message):
    if stdout is not None:
        stdout.write(message + "\n")


def _home():
    site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
    if site is None:
        raise RuntimeError("No default Wagtail site: run migrations first.")
    return site.root_page.specific


def configure_site() -> None:
    """Point the default site at the address the demo is served on (WAGTAILADMIN_BASE_URL).

    Wagtail's initial site is localhost:80, which puts dead links into the sitemap,
    the RSS feeds and every "full URL" a reader copies from the demo.
    """
    from urllib.parse import urlsplit

    from django.conf import settings

    base = urlsplit(getattr(settings, "WAGTAILADMIN_BASE_URL", "") or "")
    if not base.hostname:
        return
    port = base.port or (443 if base.scheme == "https" else 80)
    site = Site.objects.filter(is_default_site=True).first()
    if site and (site.hostname, site.port, site.site_name) != (base.hostname, port, "办成"):
        site.hostname, site.port, site.site_name = base.hostname, port, "办成"
        site.save()
        Site.clear_site_root_paths_cache()


def _publish(page, user=None):
    revision = page.save_revision(user=user, log_action=True)
    revision.publish(user=user)


def load_taxonomies():
    districts = {d.code: d for d in District.objects.all()}
    departments = {}
    for slug, name, short, district, phone, address, hours, desc in DEPARTMENTS:
        dept, _ = Department.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "short_name": short,
                "district": districts.get(district),
                "contact_phone": phone,
                "office_address": address,
                "office_hours": hours,
                "description": desc,
            },
        )
        departments[slug] = dept
    items = {}
    for name, code, dept_slug in SERVICE_ITEMS:
        item, _ = ServiceItem.objects.get_or_create(
            name=name, defaults={"code": code, "department": departments.get(dept_slug)}
        )
        items[name] = item
    policies = {}
    for key, title, body, number, eff, exp, status, summary, item_names in POLICIES:
        policy, created = Policy.objects.get_or_create(
            document_number=number,
            defaults={
                "title": title,
                "issuing_body": body,
                "effective_date": eff,
                "expiry_date": exp,
                "status": status,
                "summary": summary,
            },
        )
        if created:
            policy.full_clean()
            policy.service_items.set([items[n] for n in item_names])
        policies[key] = policy
    for old, new in (("rongque-trial", "rongque"), ("perf-offline", "perf-online")):
        if policies[old].superseded_by_id is None:
            policies[old].superseded_by = policies[new]
            policies[old].save(update_fields=["superseded_by"])
    return districts, departments, items, policies


def load_users(stdout=None):
    User = get_user_model()
    for username, group_name, superuser, _desc in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "is_staff": superuser,
                "is_superuser": superuser,
                "email": f"{username}@example.invalid",
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        group = Group.objects.filter(name=group_name).first()
        if group:
            user.groups.add(group)


# Editorial users who work for a department: the liaison signs 部门会签 only
# for content naming it. The department lives on the staff profile, which the
# case desk owns; without that app the liaison simply has no department.
DEMO_USER_DEPARTMENTS = {"liaison": "hk-scjg"}


def link_user_departments(departments) -> None:
    if not apps.is_installed("cases"):
        return
    StaffProfile = apps.get_model("cases", "StaffProfile")
    for username, slug in DEMO_USER_DEPARTMENTS.items():
        user = get_user_model().objects.filter(username=username).first()
        department = departments.get(slug)
        if user is not None and department is not None:
            StaffProfile.objects.update_or_create(
                user=user, defaults={"department": department, "district": department.district}
            )


def load(stdout=None) -> None:
    """Create the demo knowledge base. Safe to run repeatedly."""
    with transaction.atomic():
        load_users(stdout)
        admin = get_user_model().objects.filter(username="admin").first()
        districts, departments, items, policies = load_taxonomies()
        link_user_departments(departments)
        configure_site()
        home = _home()
        if not home.introduction:
            home.introduction = "在正常窗口办不成的事，我们想办法办成；办成一件事，更要办成一类事。"
            home.save_revision(user=admin).publish(user=admin)

        topics = {}
        for slug, title, icon, intro in TOPICS:
            topic = TopicIndexPage.objects.child_of(home).filter(slug=slug).first()
            if topic is None:
                topic = TopicIndexPage(title=title, slug=slug, icon=icon, introduction=intro, live=False)
                home.add_child(instance=topic)
                _publish(topic, admin)
                _say(stdout, f"  主题：{title}")
            topics[slug] = topic

        today = timezone.localdate()
        articles = {}
        for spec in ARTICLES:
            page = SolutionArticlePage.objects.filter(slug=spec["slug"]).first()
            if page is None:
                reviewed, due = spec["review"]
                page = SolutionArticlePage(
                    title=spec["title"],
                    slug=spec["slug"],
                    summary=spec["summary"],
                    problem=spec["problem"],
                    applies_to=spec["applies_to"],
                    steps=json.dumps(spec["steps"], ensure_ascii=False),
                    effective_date=spec["effective"],
                    last_reviewed=today + datetime.timedelta(days=reviewed),
                    review_due=today + datetime.timedelta(days=due),
                    source_case_count=spec["cases"],
                    live=False,
                )
                page.materials = [
                    RequiredMaterial(name=n, note=note, can_supply_later=later, supply_methods=how, sort_order=i)
                    for i, (n, note, later, how) in enumerate(spec["materials"])
                ]
                page.departments = [departments[s] for s in spec["departments"]]
                page.policies = [policies[k] for k in spec["policies"]]
                page.service_items = [items[n] for n in spec["items"]]
                page.districts = [districts[c] for c in spec["districts"]]
                page.tags.set(spec["tags"])
                topics[spec["topic"]].add_child(instance=page)
                _publish(page, admin)
                _say(stdout, f"  办事指引：{spec['title']}")
            articles[spec["slug"]] = page

        for spec in GUIDES:
            page = PolicyTransitionGuidePage.objects.filter(slug=spec["slug"]).first()
            if page is None:
                reviewed, due = spec["review"]
                page = PolicyTransitionGuidePage(
                    title=spec["title"],
                    slug=spec["slug"],
                    summary=spec["summary"],
                    old_policy=policies[spec["old"]],
                    new_policy=policies[spec["new"]],
                    effective_date=spec["effective"],
                    transition_end=spec["transition_end"],
                    what_changed=spec["what_changed"],
                    transition_arrangements=spec["transition"],
                    affected=spec["affected"],
                    gap_guidance=spec["gap"],
                    faq=json.dumps(spec["faq"], ensure_ascii=False),
                    last_reviewed=today + datetime.timedelta(days=reviewed),
                    review_due=today + datetime.timedelta(days=due),
                    live=False,
                )
                page.related_articles = [articles[s] for s in spec["related"]]
                page.departments = [departments[s] for s in spec["departments"]]
                page.service_items = [items[n] for n in spec["items"]]
                page.districts = [districts[c] for c in spec["districts"]]
                page.tags.set(spec["tags"])
                topics[spec["topic"]].add_child(instance=page)
                _publish(page, admin)
                _say(stdout, f"  政策衔接指引：{spec['title']}")
    _say(stdout, "知识库演示内容已就绪。")


def logins_text() -> str:
    lines = ["演示账号（密码均为 %s）：" % DEMO_PASSWORD]
    for username, _group, _su, desc in DEMO_USERS:
        lines.append(f"  {username:<10} {desc}")
    return "\n".join(lines)


