import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("measurements", "0003_add_observation_import_job"),
    ]

    operations = [
        migrations.AlterField(
            model_name="observation",
            name="batch",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="observations",
                to="measurements.observationimport",
            ),
        ),
    ]
