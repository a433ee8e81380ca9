from tortoise import fields
from tortoise.models import Model

from models.validators import validate_user_number


# Organisme partenaire (personne morale) and its convention with the agency.
class Organisation(Model):

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200)
    user_number = fields.CharField(max_length=14, unique=True, validators=[validate_user_number])
    convention_name = fields.CharField(max_length=200)
    convention_state = fields.CharField(max_length=40)
    email = fields.CharField(max_length=254, null=True)
    postal_address = fields.TextField(null=True)
    # The two letters: identifier in one, one-time password (stored hashed) in the other.
    initial_identifier = fields.CharField(max_length=40, unique=True)
    initial_password_hash = fields.CharField(max_length=200, null=True)
    # A plain column (no foreign key) because users reference organisations; set by a
    # conditional UPDATE (WHERE activated_at IS NULL) so that exactly one person wins.
    administrator_id = fields.IntField(null=True)
    activated_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "organisation"
