import django.db.models.deletion
import simple_history.models
from django.db import migrations, models

# The history records written before this migration kept no links. Each gets the
# object's links as they are now, so the pages show no change of links that nobody made;
# the change reasons of those records still name what changed then (issue 7).
_LINKS = (
    ("Service", "objectives"),
    ("Service", "work_activities"),
    ("ContinuityPlan", "dependencies"),
    ("Policy", "services"),
)


def _backfill_links(apps, schema_editor):
    for model_name, field_name in _LINKS:
        model = apps.get_model("service_portfolio", model_name)
        field = model._meta.get_field(field_name)
        through = field.remote_field.through
        source = field.m2m_field_name()
        target = field.m2m_reverse_field_name()
        history = apps.get_model("service_portfolio", f"Historical{model_name}")
        links = apps.get_model("service_portfolio", f"Historical{model_name}_{field_name}")
        current: dict[int, list[tuple[int, int]]] = {}
        for row_id, owner, other in through.objects.values_list(
            "id", f"{source}_id", f"{target}_id"
        ).iterator():
            current.setdefault(owner, []).append((row_id, other))
        rows = [
            links(id=row_id, history_id=record_id, **{f"{source}_id": owner, f"{target}_id": other})
            for record_id, owner in history.objects.exclude(history_type="-")
            .values_list("history_id", "id")
            .iterator()
            for row_id, other in current.get(owner, ())
        ]
        links.objects.bulk_create(rows, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("measurements", "0002_observation_measure_no_own_index"),
        ("organization", "0002_process_assets"),
        ("service_portfolio", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalservicechange",
            name="version",
            field=models.PositiveIntegerField(default=1),
        ),
        migrations.AddField(
            model_name="historicalserviceperiod",
            name="version",
            field=models.PositiveIntegerField(default=1),
        ),
        migrations.AddField(
            model_name="servicechange",
            name="version",
            field=models.PositiveIntegerField(default=1),
        ),
        migrations.AddField(
            model_name="serviceperiod",
            name="version",
            field=models.PositiveIntegerField(default=1),
        ),
        migrations.CreateModel(
            name="HistoricalContinuityPlan_dependencies",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("m2m_history_id", models.AutoField(primary_key=True, serialize=False)),
                (
                    "continuityplan",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_tablespace="",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="service_portfolio.continuityplan",
                    ),
                ),
                (
                    "history",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        to="service_portfolio.historicalcontinuityplan",
                    ),
                ),
                (
                    "service",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_tablespace="",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="service_portfolio.service",
                    ),
                ),
            ],
            options={
                "verbose_name": "HistoricalContinuityPlan_dependencies",
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalPolicy_services",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("m2m_history_id", models.AutoField(primary_key=True, serialize=False)),
                (
                    "history",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        to="service_portfolio.historicalpolicy",
                    ),
                ),
                (
                    "policy",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_tablespace="",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="service_portfolio.policy",
                    ),
                ),
                (
                    "service",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_tablespace="",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="service_portfolio.service",
                    ),
                ),
            ],
            options={
                "verbose_name": "HistoricalPolicy_services",
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalService_objectives",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("m2m_history_id", models.AutoField(primary_key=True, serialize=False)),
                (
                    "history",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        to="service_portfolio.historicalservice",
                    ),
                ),
                (
                    "objective",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_tablespace="",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="measurements.objective",
                    ),
                ),
                (
                    "service",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_tablespace="",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="service_portfolio.service",
                    ),
                ),
            ],
            options={
                "verbose_name": "HistoricalService_objectives",
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalService_work_activities",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("m2m_history_id", models.AutoField(primary_key=True, serialize=False)),
                (
                    "history",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        to="service_portfolio.historicalservice",
                    ),
                ),
                (
                    "service",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_tablespace="",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="service_portfolio.service",
                    ),
                ),
                (
                    "workactivity",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_tablespace="",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="organization.workactivity",
                    ),
                ),
            ],
            options={
                "verbose_name": "HistoricalService_work_activities",
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.RunPython(_backfill_links, migrations.RunPython.noop),
    ]
