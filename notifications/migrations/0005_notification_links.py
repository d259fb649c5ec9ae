from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0004_channels"),
    ]

    operations = [
        migrations.AddField(
            model_name="event",
            name="url",
            field=models.CharField(blank=True, max_length=2048, null=True),
        ),
    ]
