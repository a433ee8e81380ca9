import unicodedata

from tortoise import fields
from tortoise.models import Model

from models.validators import validate_user_number


def folded(text: str) -> str:
    """'Société Générale' -> 'societe generale': how names are compared by the search."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


# Organisme partenaire (personne morale) and its convention with the agency.
class Organisation(Model):

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200)
    # The name folded for search (no accents, lower case: `folded`), kept by
    # every writer of `name`, so that the agency's search is one indexed-friendly LIKE.
    search_name = fields.CharField(max_length=200, null=True)
    user_number = fields.CharField(max_length=14, unique=True, validators=[validate_user_number])
    convention_name = fields.CharField(max_length=200)
    convention_state = fields.CharField(max_length=40)
    email = fields.CharField(max_length=254, null=True)
    # Where the letters go (optional in the import); lines of at most 38 characters, as a
    # French postal address is printed (NF Z10-011).
    postal_line1 = fields.CharField(max_length=38, null=True)
    postal_line2 = fields.CharField(max_length=38, null=True)
    postal_code = fields.CharField(max_length=5, null=True)
    postal_commune = fields.CharField(max_length=32, null=True)
    # The two letters: identifier in one, one-time password (stored hashed) in the other.
    initial_identifier = fields.CharField(max_length=40, unique=True)
    initial_password_hash = fields.CharField(max_length=200, null=True)
    # A new letter password sent by « identifiant perdu »: it works beside the letter's until
    # one of them is used, so that nobody's request voids the letter an organisation holds.
    reissued_password_hash = fields.CharField(max_length=200, null=True)
    # « Identifiant perdu » with no postal address: waiting for an agent to reissue the letters.
    letters_requested_at = fields.DatetimeField(null=True)
    # A plain column (no foreign key) because users reference organisations; set by a
    # conditional UPDATE (WHERE activated_at IS NULL) so that exactly one person wins.
    administrator_id = fields.IntField(null=True)
    activated_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "organisation"

    async def save(self, *args, **kwargs) -> None:
        self.search_name = folded(self.name)
        await super().save(*args, **kwargs)

    @property
    def postal_lines(self) -> list[str]:
        """The address as printed on the envelope, empty when there is none."""
        if not (self.postal_line1 and self.postal_code and self.postal_commune):
            return []
        lines = [self.name[:38], self.postal_line1, self.postal_line2 or ""]
        return [line for line in lines if line] + [f"{self.postal_code} {self.postal_commune}"]
