from django.db import migrations


def install(apps, schema_editor):
    from kpis.catalogue import install_catalogue

    install_catalogue(
        apps.get_model("kpis", "Measure"),
        apps.get_model("kpis", "Kpi"),
        apps.get_model("kpis", "KpiSet"),
        apps.get_model("kpis", "KpiSetItem"),
    )


class Migration(migrations.Migration):
    dependencies = [("kpis", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
