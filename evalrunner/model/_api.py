"""The provider interface: one subclass per wire format, registered with @modelapi."""

from __future__ import annotations

import email.utils
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from .._util.secrets import register_secret, register_url_secrets
from ..tools._info import ToolChoice, ToolInfo
from ._chat import ChatMessageBase
from ._config import GenerateConfig
from ._output import ModelOutput

# httpx is imported where an exception is classified, not here: it costs a third of a
# second of CPU (it loads its own CLI's rich and pygments), and loading a suite builds
# models without sending anything (`validate`, every CLI start).

if TYPE_CHECKING:
    from ._batch import BatchBackend

T = TypeVar("T")


class ModelAPI(ABC):
    """A model provider. Subclasses implement `generate` and may override the policy hooks.

    The constructor must not touch the network: models are created when a suite loads,
    and `validate` must run with no network at all.
    """

    # The media content parts the provider's API takes beyond text ("image", "audio",
    # "video"), in user messages and tool results alike; a message with any other is
    # refused before it is sent (check_media), never sent without it.
    media_types: ClassVar[frozenset[str]] = frozenset({"image"})

    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig | None = None,
        **model_args: Any,
    ) -> None:
        self.model_name = model_name
        self.base_url = base_url
        self.api_key = api_key
        self.config = config or GenerateConfig()
        self.model_args = model_args
        register_secret(api_key)
        register_url_secrets(base_url)  # a token in its query must not reach the log

    @abstractmethod
    async def generate(
        self,
        input: list[ChatMessageBase],
        tools: list[ToolInfo],
        tool_choice: ToolChoice | None,
        config: GenerateConfig,
    ) -> ModelOutput:
        """Call the model once; raise on failure (the caller decides about retries)."""

    # Whether the wire format carries `response_schema` natively; if not, the model is told
    # the schema in a system message. Either way the reply is checked against it.
    native_response_schema: bool = False

    # Whether every call waits on I/O (an HTTP request), so it lets the event loop run
    # anyway; a model that may answer without waiting (mockllm, a local one) is made to.
    waits_for_io: bool = False

    def max_connections(self) -> int:
        """Concurrent requests allowed when the config does not say."""
        return 10

    def max_tokens(self) -> int | None:
        """Default max_tokens for this provider (None: the API's own default)."""
        return None

    def connection_key(self) -> str:
        """Models with the same key share one connection limit (same account and endpoint)."""
        return f"{type(self).__name__}:{self.base_url}:{hash(self.api_key)}"

    def unreachable(self) -> str | None:
        """Why no request can be sent (an address that is not set), or None. Checked before a
        run's first call; keys are not: a run may use models it never calls."""
        return None

    def is_rate_limit(self, ex: BaseException) -> bool:
        import httpx  # not at module level: see the note at the top
        return isinstance(ex, httpx.HTTPStatusError) and ex.response.status_code == 429

    def is_overload(self, ex: BaseException) -> bool:
        """A refusal for load (429, or 503 with Retry-After): the connection limit backs off."""
        import httpx  # not at module level: see the note at the top
        if self.is_rate_limit(ex):
            return True
        return (
            isinstance(ex, httpx.HTTPStatusError)
            and ex.response.status_code == 503
            and "retry-after" in ex.response.headers
        )

    def signals_load(self, ex: BaseException) -> bool:
        """The provider says a refusal is for load (a 503 with Retry-After, or a request or
        token budget at 0 in `x-ratelimit-remaining-*`): the connection limit is cut at once,
        without waiting for a burst of refusals."""
        import httpx  # not at module level: see the note at the top
        if not isinstance(ex, httpx.HTTPStatusError):
            return False
        headers = ex.response.headers
        if ex.response.status_code == 503 and "retry-after" in headers:
            return True
        return any(
            name.lower().startswith("x-ratelimit-remaining-") and value.strip() in ("0", "0.0")
            for name, value in headers.items()
        )

    def is_retryable(self, ex: BaseException) -> bool:
        """Rate limits, server errors, timeouts and dropped connections are worth retrying."""
        import httpx  # not at module level: see the note at the top
        if isinstance(ex, httpx.HTTPStatusError):
            code = ex.response.status_code
            return code in (408, 409, 429) or code >= 500
        transient = httpx.TimeoutException | httpx.NetworkError | httpx.RemoteProtocolError
        return isinstance(ex, transient)

    def retry_after(self, ex: BaseException) -> float | None:
        """Seconds the server asked us to wait, from `Retry-After` (seconds or HTTP date)."""
        import httpx  # not at module level: see the note at the top
        if not isinstance(ex, httpx.HTTPStatusError):
            return None
        headers = ex.response.headers
        ms = headers.get("retry-after-ms")
        if ms:
            try:
                return float(ms) / 1000
            except ValueError:
                pass
        value = headers.get("retry-after")
        if not value:
            return None
        try:
            return max(0.0, float(value))
        except ValueError:
            parsed = email.utils.parsedate_to_datetime(value)
            return max(0.0, parsed.timestamp() - time.time()) if parsed else None

    def batch_backend(self) -> BatchBackend | None:
        """The provider's batch API, used when the config asks for batching (None: no batching)."""
        return None

    async def aclose(self) -> None:  # noqa: B027 - optional hook, nothing to release by default
        """Release clients and processes."""


class ModelAPIError(RuntimeError):
    """A provider failure that is not worth retrying (bad request, auth, refusal)."""


_ModelAPIClass = TypeVar("_ModelAPIClass", bound=type[ModelAPI])


def modelapi(name: str) -> Callable[[_ModelAPIClass], _ModelAPIClass]:
    """Register a ModelAPI subclass as the provider `name` (`name/<model>`)."""

    def wrap(cls: _ModelAPIClass) -> _ModelAPIClass:
        from ..registry import register

        register("modelapi", name, cls)
        return cls

    return wrap
