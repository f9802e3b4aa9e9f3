"""`manage.py apitoken USERNAME`: print a user's API token, for scripts and the Swagger UI."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from rest_framework.authtoken.models import Token


class Command(BaseCommand):
    """Print a user's API token, creating the token (and, if asked, the user) or rotating it."""

    help = "Print USERNAME's API token (creating it, or a new one with --rotate)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", metavar="USERNAME")
        parser.add_argument(
            "--create-user", action="store_true", help="create the user if it does not exist"
        )
        parser.add_argument(
            "--rotate", action="store_true", help="replace an existing token with a new one"
        )

    def handle(self, *args, username: str, create_user: bool, rotate: bool, **options) -> None:
        users = get_user_model()
        user = users.objects.filter(username=username).first()
        if user is None:
            if not create_user:
                raise CommandError(
                    f"no user named {username!r}: create one with `manage.py createsuperuser` "
                    "or pass --create-user"
                )
            user = users.objects.create_user(username=username)
        if rotate:
            Token.objects.filter(user=user).delete()
        token, _ = Token.objects.get_or_create(user=user)
        self.stdout.write(token.key)
