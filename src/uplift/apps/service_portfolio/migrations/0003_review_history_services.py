import django.db.models.deletion
import simple_history.models
from django.db import migrations, models


def _backfill_services(apps, schema_editor):
    """A review's records written before this migration kept no services: each gets the
    review's services as they are now, so the history shows no change that nobody made
    (the change reasons of those records still name what changed then). As 0002 did for
    the other links (issue 7)."""
    through = apps.get_model("service_portfolio", "Review").services.through
    links = apps.get_model("service_portfolio", "HistoricalReview_services")
    history = apps.get_model("service_portfolio", "HistoricalReview")
    current: dict[int, list[tuple[int, int]]] = {}
    for row_id, review, service in through.objects.values_list(
        "id", "review_id", "service_id"
    ).iterator():
        current.setdefault(review, []).append((row_id, service))
    rows = [
        links(id=row_id, history_id=record_id, review_id=review, service_id=service)
        for record_id, review in history.objects.exclude(history_type="-")
        .values_list("history_id", "id")
        .iterator()
        for row_id, service in current.get(review, ())
    ]
    links.objects.bulk_create(rows, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("service_portfolio", "0002_link_history_and_row_versions"),
    ]

    operations = [
        migrations.CreateModel(
            name="HistoricalReview_services",
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
                        to="service_portfolio.historicalreview",
                    ),
                ),
                (
                    "review",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_tablespace="",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="service_portfolio.review",
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
                "verbose_name": "HistoricalReview_services",
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.RunPython(_backfill_services, migrations.RunPython.noop),
    ]
