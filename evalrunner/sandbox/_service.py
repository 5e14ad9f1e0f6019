"""Sandbox services: code in the sandbox calls functions of this process (Inspect's
`sandbox_service`).

The service listens on a unix socket in the sample's socket folder, which bwrap and docker
show inside, read-only, at `_channel.SOCKETS`: a channel the sandbox already allows, never
the host's network. A client module (standard library only) is written into the sandbox
at `SERVICES/<name>.py`, one function per method:

    import sys; sys.path.append("/tmp/evalrunner-services")
    import calc
    print(calc.add(a=1, b=2))      # runs add(a=1, b=2) here, returns its JSON result

Requests and replies are JSON lines; an exception of the method is raised in the sandbox as
`RuntimeError` with its message, and the sample goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import inspect
import json
import logging
import re
import secrets
from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path
from typing import Any

from ._channel import SOCKETS
from ._context import sandbox as sandbox_of
from ._environment import Sandbox, SandboxError

__all__ = ["SERVICES", "sandbox_service", "serve"]

SERVICES = "/tmp/evalrunner-services"  # where the client modules are written, inside
MAX_REQUEST = 16 * 1024 * 1024
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
logger = logging.getLogger(__name__)

_CLIENT = '''"""Calls to the service {name!r} of the evaluation (generated)."""
import json as _json
import socket as _socket

_PATH = {path!r}
_TOKEN = {token!r}


def call(method, *args, **kwargs):
    with _socket.socket(_socket.AF_UNIX) as s:
        s.connect(_PATH)
        request = {{"token": _TOKEN, "method": method, "args": args, "kwargs": kwargs}}
        s.sendall(_json.dumps(request).encode() + b"\\n")
        data = b""
        while not data.endswith(b"\\n"):
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    if not data:
        raise RuntimeError("the service {name} closed the connection")
    reply = _json.loads(data)
    if "error" in reply:
        raise RuntimeError(reply["error"])
    return reply["result"]
'''

_METHOD = '''

def {method}(*args, **kwargs):
    return call({method!r}, *args, **kwargs)
'''

Method = Callable[..., Any]


@contextlib.asynccontextmanager
async def serve(name: str, methods: Mapping[str, Method] | list[Method],
                sandbox: str | None = None) -> AsyncIterator[str]:
    """Serve `methods` (by name, or functions named by their `__name__`) to the code of the
    sample's sandbox for the block; yields the client module's path inside."""
    table = _table(name, methods)
    box = sandbox_of(sandbox)
    folder = box.socket_folder()
    if folder is None:
        raise SandboxError(f"sandbox service {name}: a {type(box).__name__} has no way in for "
                           "services (bwrap and docker with an image or a build have)")
    socket_name = f"service-{name}-{secrets.token_hex(4)}.sock"
    path = Path(folder) / socket_name
    # The socket's folder is the sample's; the token keeps out anyone else on this machine
    # who could reach the socket: only the sandbox has the client module that holds it.
    token = secrets.token_hex(16)
    server = await asyncio.start_unix_server(lambda r, w: _connection(table, token, r, w),
                                             str(path), limit=MAX_REQUEST)
    path.chmod(0o777)  # any user of the sandbox may call (it is the sample's own folder)
    try:
        module = await _install(box, name, f"{SOCKETS}/{socket_name}", token, list(table))
        yield module
    finally:
        server.close()
        with contextlib.suppress(Exception):
            await server.wait_closed()
        path.unlink(missing_ok=True)


async def sandbox_service(name: str, methods: Mapping[str, Method] | list[Method],
                          until: Callable[[], bool], sandbox: str | None = None,
                          polling_interval: float = 0.1) -> None:
    """Serve `methods` until `until()` is true (Inspect's form; `serve` is the block form)."""
    async with serve(name, methods, sandbox):
        while not until():
            await asyncio.sleep(polling_interval)


def _table(name: str, methods: Mapping[str, Method] | list[Method]) -> dict[str, Method]:
    if not _NAME.match(name):
        raise ValueError(f"a service name is a Python identifier, not {name!r}")
    table = dict(methods) if isinstance(methods, Mapping) else \
        {m.__name__: m for m in methods}
    for method, fn in table.items():
        if not _NAME.match(method) or method.startswith("_") or method == "call":
            raise ValueError(f"service {name}: {method!r} cannot be a method name")
        if not callable(fn):
            raise ValueError(f"service {name}: {method} is not a function")
    if not table:
        raise ValueError(f"service {name} has no methods")
    return table


async def _install(box: Sandbox, name: str, socket: str, token: str, methods: list[str]
                   ) -> str:
    source = _CLIENT.format(name=name, path=socket, token=token) + "".join(
        _METHOD.format(method=m) for m in methods)
    module = f"{SERVICES}/{name}.py"
    await box.write_file(module, source)
    return module


async def _connection(table: dict[str, Method], token: str, reader: asyncio.StreamReader,
                      writer: asyncio.StreamWriter) -> None:
    try:
        while line := await reader.readline():
            reply = await _answer(table, token, line)
            writer.write(json.dumps(reply).encode() + b"\n")
            await writer.drain()
    except (ValueError, ConnectionError, asyncio.IncompleteReadError):
        pass  # a request over the limit or a client gone: drop the connection
    finally:
        writer.close()


async def _answer(table: dict[str, Method], token: str, line: bytes) -> dict[str, Any]:
    try:
        request = json.loads(line)
        if not isinstance(request, dict):
            return {"error": "a request is a JSON object"}
        if not hmac.compare_digest(str(request.get("token", "")), token):
            return {"error": "wrong or missing token"}
        name = str(request.get("method"))
        if name not in table:
            return {"error": f"no method {name!r} (methods: {', '.join(table)})"}
        args, kwargs = list(request.get("args") or []), dict(request.get("kwargs") or {})
        result = table[name](*args, **kwargs)
        if inspect.isawaitable(result):
            result = await result
        json.dumps(result)  # a result the sandbox cannot read is the method's error
        return {"result": result}
    except Exception as ex:  # the method's failure is the caller's to see, not a crash here
        return {"error": f"{type(ex).__name__}: {ex}"}
