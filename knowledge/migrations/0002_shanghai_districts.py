from django.db import migrations

SHANGHAI_DISTRICTS = [
    ("黄浦区", "huangpu"), ("徐汇区", "xuhui"), ("长宁区", "changning"), ("静安区", "jingan"),
    ("普陀区", "putuo"), ("虹口区", "hongkou"), ("杨浦区", "yangpu"), ("闵行区", "minhang"),
    ("宝山区", "baoshan"), ("嘉定区", "jiading"), ("浦东新区", "pudong"), ("金山区", "jinshan"),
    ("松江区", "songjiang"), ("青浦区", "qingpu"), ("奉贤区", "fengxian"), ("崇明区", "chongming"),
]


def seed(apps, schema_editor):
    District = apps.get_model("knowledge.District")
    for order, (name, code) in enumerate(SHANGHAI_DISTRICTS):
        District.objects.update_or_create(code=code, defaults={"name": name, "sort_order": order})


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
