"""The portal's one way to reach the LucidLink Service API: a client built from settings,
sharing its token through the Django cache, and the provider's domain id, cached."""

import hashlib

from django.conf import settings
from django.core.cache import cache

from provisioning.lucidlink import ClientConfig, LucidLinkClient
from provisioning.lucidlink.errors import NotFound

DOMAIN_ID_CACHE_SECONDS = 3600
UPSTREAM_NAMES_CACHE_SECONDS = 60


def _cache_key(what: str) -> str:
    """A cache key per API and domain: switching either never reads the other's values."""
    account = f"{settings.LUCIDLINK_API_URL}|{settings.LUCIDLINK_DOMAIN}"
    return f"provisioning:lucidlink:{what}:{hashlib.sha256(account.encode()).hexdigest()[:16]}"


def lucidlink_client() -> LucidLinkClient:
    config = ClientConfig(
        api_url=settings.LUCIDLINK_API_URL,
        token_url=settings.LUCIDLINK_TOKEN_URL,
        client_id=settings.LUCIDLINK_CLIENT_ID,
        client_secret=settings.LUCIDLINK_CLIENT_SECRET,
        auth_header_style=settings.LUCIDLINK_AUTH_HEADER_STYLE,
        connect_timeout=settings.LUCIDLINK_CONNECT_TIMEOUT,
        read_timeout=settings.LUCIDLINK_READ_TIMEOUT,
        max_retry_after=settings.LUCIDLINK_MAX_RETRY_AFTER,
    )
    return LucidLinkClient(config, token_cache=cache)


def domain_id(client: LucidLinkClient) -> str:
    """The id of the provider's domain (settings.LUCIDLINK_DOMAIN), looked up once an hour."""
    cached = cache.get(_cache_key("domain-id"))
    if cached:
        return cached
    domain = client.find_domain(settings.LUCIDLINK_DOMAIN)
    if domain is None:
        raise NotFound(f"The LucidLink account has no domain named {settings.LUCIDLINK_DOMAIN!r}.")
    cache.set(_cache_key("domain-id"), domain.id, DOMAIN_ID_CACHE_SECONDS)
    return domain.id


def upstream_names_remember(filespaces) -> frozenset[str]:
    """Remember the names in use upstream, from a GET /filespaces someone already made."""
    names = frozenset(fs.name for fs in filespaces)
    cache.set(_cache_key("filespace-names"), names, UPSTREAM_NAMES_CACHE_SECONDS)
    return names


def upstream_names(client: LucidLinkClient) -> frozenset[str]:
    """Names in use in the account, at most a minute old: checking a name at order time
    costs no API call per order. A name taken since is caught by the POST's 409."""
    names = cache.get(_cache_key("filespace-names"))
    if names is None:
        names = upstream_names_remember(client.list_filespaces())
    return names
