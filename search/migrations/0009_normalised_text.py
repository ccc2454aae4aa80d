"""Summary and body normalised at index time (for the learned reranker's features).

No fill-in here: normalising every stored body (OpenCC) takes minutes on a large index, and an
entry without them is still ranked the same (the features normalise its text then). The next
index rebuild stores them.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('search', '0008_click_followed_by_report'),
    ]

    operations = [
        migrations.AddField(
            model_name='searchentry',
            name='body_norm',
            field=models.TextField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='searchentry',
            name='summary_norm',
            field=models.TextField(blank=True, null=True),
        ),
    ]
