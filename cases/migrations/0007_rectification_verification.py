"""整改 gets 验收: submitted results wait for a 督办 to accept or return them."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # The new permission must exist before it can be handed to the group.
    app_config = apps.get_app_config("cases")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perm = Permission.objects.get(content_type__app_label="cases", codename="verify_rectification")
    for group in Group.objects.filter(name="督办"):
        group.permissions.add(perm)


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0006_case_links_merges_class_cases'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='rectification',
            options={'ordering': ['deadline'], 'permissions': [('verify_rectification', '验收整改')], 'verbose_name': '整改', 'verbose_name_plural': '整改'},
        ),
        migrations.AddField(
            model_name='rectification',
            name='return_count',
            field=models.PositiveSmallIntegerField(default=0, verbose_name='退回次数'),
        ),
        migrations.AddField(
            model_name='rectification',
            name='submitted_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='提交时间'),
        ),
        migrations.AddField(
            model_name='rectification',
            name='submitted_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='提交人'),
        ),
        migrations.AddField(
            model_name='rectification',
            name='verification_note',
            field=models.TextField(blank=True, verbose_name='验收意见'),
        ),
        migrations.AddField(
            model_name='rectification',
            name='verified_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='验收时间'),
        ),
        migrations.AddField(
            model_name='rectification',
            name='verified_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='验收人'),
        ),
        migrations.AlterField(
            model_name='rectification',
            name='status',
            field=models.CharField(choices=[('open', '整改中'), ('submitted', '待验收'), ('done', '已整改')], default='open', max_length=20, verbose_name='状态'),
        ),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
