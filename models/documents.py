from tortoise import fields
from tortoise.models import Model


# A trusted (persisted) document: a front end's build registers its operations by their SHA-256,
# and requests may then name one instead of sending it. Immutable: a hash always means one text.
class TrustedDocument(Model):

    sha256 = fields.CharField(primary_key=True, max_length=64)
    document = fields.TextField()
    # Which front end registered it (the manifest's name, or --client).
    client = fields.CharField(max_length=100)
    added_at = fields.DatetimeField()

    class Meta:
        table = "trusted_document"
