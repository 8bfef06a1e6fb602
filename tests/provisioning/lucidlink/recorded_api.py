"""What the LucidLink unit tests share: fake endpoints, credentials and call filters."""

from provisioning.lucidlink import ClientConfig

API_URL = "https://api.lucidlink.test/api/v1"
TOKEN_URL = "https://auth.lucidlink.test/oauth2/token"
CLIENT_ID = "portal-client"
CLIENT_SECRET = "s3cr3t-Client-Secret-value"
ACCESS_TOKEN = "tok-AAAA-first-access-token"


def token_body(access_token=ACCESS_TOKEN, expires_in=3600):
    body = {"access_token": access_token, "token_type": "Bearer"}
    if expires_in is not None:
        body["expires_in"] = expires_in
    return body


def make_config(**overrides):
    values = {
        "api_url": API_URL,
        "token_url": TOKEN_URL,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }
    values.update(overrides)
    return ClientConfig(**values)


def api_calls(mocked):
    return [call for call in mocked.calls if call.request.url.startswith(API_URL)]


def token_calls(mocked):
    return [call for call in mocked.calls if call.request.url == TOKEN_URL]
