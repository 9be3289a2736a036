from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("measurements", "0004_observation_batch_no_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="observationimportjob",
            name="attempt",
            field=models.PositiveIntegerField(
                default=0, help_text="How many times a worker has started it."
            ),
        ),
        migrations.AddField(
            model_name="observationimportjob",
            name="worker",
            field=models.CharField(
                blank=True, help_text="The worker that started it last: host:pid.", max_length=300
            ),
        ),
    ]
