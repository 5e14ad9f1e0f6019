"""AWS credentials and request signing through botocore (the `bedrock` extra).

botocore's credential chain finds what the AWS CLI finds: AWS_ACCESS_KEY_ID and friends,
profiles in the shared credentials and config files (AWS_PROFILE, AWS_CONFIG_FILE,
AWS_SHARED_CREDENTIALS_FILE), assume-role chains (`role_arn` with `source_profile` or
`credential_source`, web identity tokens), `credential_process`, SSO sessions, and
container (ECS) and instance (EC2) credentials; it refreshes temporary ones. Its SigV4
signer signs the request, which is then sent by the provider's own HTTP client.
"""

from __future__ import annotations

import asyncio
from typing import Any

from ..._util.secrets import register_secret
from .._api import ModelAPIError

EXTRA_HINT = "pip install 'evalrunner[bedrock]'"


def _botocore() -> Any:
    try:
        import botocore.session
    except ImportError:
        raise ModelAPIError(
            f"Bedrock with AWS credentials needs botocore: {EXTRA_HINT} "
            "(or set AWS_BEARER_TOKEN_BEDROCK to use a Bedrock API key)"
        ) from None
    return botocore.session


def profile_region(profile: str | None) -> str | None:
    """The region the profile names in the AWS config file, if botocore is installed."""
    try:
        import botocore.exceptions
        import botocore.session
    except ImportError:
        return None
    try:
        region = botocore.session.Session(profile=profile).get_config_variable("region")
    except botocore.exceptions.BotoCoreError:
        return None  # a missing profile is reported when credentials are looked up
    return str(region) if region else None


class AwsSigner:
    """Signs requests for one AWS service with the credentials botocore's chain finds."""

    def __init__(self, service: str, region: str, profile: str | None = None) -> None:
        self.service = service
        self.region = region
        self.profile = profile
        self._credentials: Any = None
        self._lock: asyncio.Lock | None = None
        self._lock_loop: asyncio.AbstractEventLoop | None = None

    async def sign(self, method: str, url: str, headers: dict[str, str],
                   body: bytes) -> dict[str, str]:
        """The headers to send: `headers` plus x-amz-date, Authorization and, for temporary
        credentials, x-amz-security-token."""
        frozen = await self._frozen()  # first: it says which extra is missing
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest

        request = AWSRequest(method=method, url=url, data=body, headers=dict(headers))
        SigV4Auth(frozen, self.service, self.region).add_auth(request)
        return dict(request.headers.items())

    async def _frozen(self) -> Any:
        """Current credentials; looking them up or refreshing them may call AWS (STS, SSO,
        the instance metadata service), so that happens off the event loop, once."""
        credentials = self._credentials
        if credentials is not None and not _refresh_due(credentials):
            return credentials.get_frozen_credentials()
        async with self._guard():
            frozen = await asyncio.to_thread(self._freeze)
        register_secret(frozen.secret_key)
        register_secret(frozen.token)
        return frozen

    def _freeze(self) -> Any:
        session_module = _botocore()
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            if self._credentials is None:
                self._credentials = self._lookup(session_module.Session(profile=self.profile))
            return self._credentials.get_frozen_credentials()
        except (BotoCoreError, ClientError) as ex:
            raise ModelAPIError(f"AWS credentials for Bedrock: {ex}") from None

    def _lookup(self, session: Any) -> Any:
        credentials = session.get_credentials()
        if credentials is None:
            raise ModelAPIError(
                "no AWS credentials for Bedrock: set AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY, name a profile (AWS_PROFILE or -M profile=...) from "
                "~/.aws/credentials or ~/.aws/config, or set AWS_BEARER_TOKEN_BEDROCK"
            )
        return credentials

    def _guard(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        if self._lock is None or self._lock_loop is not loop:
            self._lock, self._lock_loop = asyncio.Lock(), loop
        return self._lock


def _refresh_due(credentials: Any) -> bool:
    """Whether temporary credentials are near their end (static ones never are)."""
    refresh_needed = getattr(credentials, "refresh_needed", None)
    return bool(refresh_needed()) if refresh_needed is not None else False
