"""The naming rules of the LucidLink API, checked before anything is sent upstream."""

import re

from django.core.exceptions import ValidationError

FILESPACE_NAME_RE = re.compile(r"^[a-z0-9-]{2,63}$")
BUCKET_NAME_RE = re.compile(r"^[a-z0-9.-]{3,63}$")
IP_ADDRESS_RE = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")
# host[:port], as `lucid init-s3 --endpoint` takes it: DNS labels or an IPv4 address.
ENDPOINT_RE = re.compile(
    r"^(?=.{1,253}(:|$))([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)"
    r"(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*(:\d{1,5})?$"
)


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
    if IP_ADDRESS_RE.fullmatch(value):
        raise ValidationError(
            "A bucket name cannot look like an IP address.", code="invalid_bucket"
        )
    if value.startswith(("xn--", "sthree-")) or value.endswith(("-s3alias", "--ol-s3")):
        raise ValidationError(
            "Bucket names cannot start with 'xn--' or 'sthree-', nor end with '-s3alias' "
            "or '--ol-s3'.",
            code="invalid_bucket",
        )


def validate_endpoint(value: str) -> None:
    """An S3 endpoint as host or host:port, without a scheme or a path."""
    port = value.rsplit(":", 1)[1] if ":" in value else None
    if not ENDPOINT_RE.fullmatch(value) or (port is not None and not 0 < int(port) < 65536):
        raise ValidationError(
            "Enter the endpoint as host or host:port, e.g. s3.example.com:443 "
            "(no https:// and no path).",
            code="invalid_endpoint",
        )
