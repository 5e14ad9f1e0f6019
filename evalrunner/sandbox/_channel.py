"""A way into a sandbox for a service that runs on this machine (the bridge's model
endpoint), that is not the host's network.

The service listens on a unix socket in the sample's socket folder (`Sandbox.socket_folder`),
which the sandbox shows read-only at `SOCKETS` (bwrap binds it, docker mounts it). Inside,
`proxied` starts the program under a small proxy (Python's standard library only, so the
sandbox needs `python3`): it listens on a free port of the sandbox's own loopback, forwards
each connection to the socket, puts the loopback address in the variables it is given for the
program, and exits with the program's status. Nothing of the host's network is reached:
bwrap and docker (`network: none`) give the sandbox a loopback of its own.
"""

from __future__ import annotations

from pathlib import Path

SOCKETS = "/run/evalrunner"  # where a sandbox sees its sample's socket folder

# argv: socket path, variable=template pairs up to "--", then the program. A template's
# {port} is the proxy's port. SIGTERM/SIGINT are passed on to the program.
_PROXY = r'''
import os, signal, socket, subprocess, sys, threading
path, rest = sys.argv[1], sys.argv[2:]
cut = rest.index("--")
server = socket.socket()
server.bind(("127.0.0.1", 0))
server.listen(64)
port = server.getsockname()[1]
env = dict(os.environ)
for pair in rest[:cut]:
    name, _, value = pair.partition("=")
    env[name] = value.replace("{port}", str(port))
def pump(source, target):
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            target.sendall(data)
    except OSError:
        pass
    for s in (target, source):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
def accept():
    while True:
        client, _ = server.accept()
        upstream = socket.socket(socket.AF_UNIX)
        try:
            upstream.connect(path)
        except OSError:
            client.close()
            continue
        for a, b in ((client, upstream), (upstream, client)):
            threading.Thread(target=pump, args=(a, b), daemon=True).start()
threading.Thread(target=accept, daemon=True).start()
child = subprocess.Popen(rest[cut + 1:], env=env)
for sig in (signal.SIGTERM, signal.SIGINT):
    signal.signal(sig, lambda n, f: child.send_signal(n))
sys.exit(child.wait())
'''


PROXY_NAME = "proxy.py"


def proxied(cmd: list[str], socket: Path, variables: dict[str, str],
            python: str = "python3") -> list[str]:
    """`cmd` run under the proxy to `socket` (a socket in a sandbox's socket folder), with
    `variables` set for it (`{port}` in a value is the proxy's loopback port). The proxy's
    script is put beside the socket, so the command line (and the log) stays short."""
    script = socket.parent / PROXY_NAME
    if not script.exists():
        script.write_text(_PROXY)
        script.chmod(0o644)
    pairs = [f"{name}={value}" for name, value in variables.items()]
    return [python, f"{SOCKETS}/{PROXY_NAME}", f"{SOCKETS}/{socket.name}", *pairs, "--", *cmd]
