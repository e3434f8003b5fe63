# The sending system's own id of an electronic referral (FHIR ServiceRequest.identifier).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('referrals', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='referral',
            name='sender_identifier_system',
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddField(
            model_name='referral',
            name='sender_identifier_value',
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddConstraint(
            model_name='referral',
            constraint=models.UniqueConstraint(condition=models.Q(('sender_identifier_value', ''), _negated=True), fields=('referring_organisation', 'sender_identifier_system', 'sender_identifier_value'), name='referral_sender_identifier_once'),
        ),
    ]
