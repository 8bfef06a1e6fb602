"""The naming rules of the LucidLink API, checked before anything is sent upstream."""

import re

from django.core.exceptions import ValidationError

FILESPACE_NAME_RE = re.compile(r"^[a-z0-9-]{2,63}$")
BUCKET_NAME_RE = re.compile(r"^[a-z0-9.-]{3,63}$")


def validate_filespace_name(value: str) -> None:
    if not FILESPACE_NAME_RE.fullmatch(value):
        raise ValidationError(
            "Use 2 to 63 characters: lowercase letters, digits and hyphens only.",
            code="invalid_name",
        )


def validate_bucket_name(value: str) -> None:
    if not BUCKET_NAME_RE.fullmatch(value):
        raise ValidationError(
            "Use 3 to 63 characters: lowercase letters, digits, dots and hyphens only.",
            code="invalid_bucket",
        )
    if value[0] in ".-" or value[-1] in ".-" or ".." in value:
        raise ValidationError(
            "A bucket name must start and end with a letter or digit, with no '..'.",
            code="invalid_bucket",
        )
