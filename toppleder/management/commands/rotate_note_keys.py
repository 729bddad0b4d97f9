"""`manage.py rotate_note_keys`: re-encrypt every confidential note with the newest key.

Rotation (toppleder/fields.py): put a new Fernet key first in NOTES_ENCRYPTION_KEYS and
keep the old ones after it, deploy, run this command, then remove the old keys.
"""

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import TextField, Value
from django.db.models.functions import Cast

from toppleder.fields import EncryptedTextField, rotate


class Command(BaseCommand):
    help = "Re-encrypt confidential notes with the newest key in NOTES_ENCRYPTION_KEYS."

    def handle(self, *args, **options):
        total = 0
        for model in apps.get_models():
            for field in model._meta.concrete_fields:
                if not isinstance(field, EncryptedTextField):
                    continue
                # Read the stored ciphertext as plain text (no decryption on the way out) ...
                rows = model._base_manager.annotate(_raw=Cast(field.name, TextField())).values_list("pk", "_raw")
                with transaction.atomic():
                    for pk, raw in rows.iterator():
                        if not raw:
                            continue
                        # ... and write the rotated ciphertext back as it is (no encryption on the way in).
                        model._base_manager.filter(pk=pk).update(
                            **{field.name: Value(rotate(raw), output_field=TextField())}
                        )
                        total += 1
                self.stdout.write(f"{model._meta.label}.{field.name}: re-encrypted")
        self.stdout.write(self.style.SUCCESS(f"{total} notes now use the newest key."))
