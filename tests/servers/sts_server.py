"""An AWS STS stand-in answering AssumeRole, for assume-role credential chains.

A client finds it through AWS_ENDPOINT_URL_STS. It checks that the call is SigV4-signed
(service `sts`) by a key it knows, as STS does, and answers with temporary credentials
that a test then lets the Bedrock server accept.
"""

from __future__ import annotations

import hmac
import re
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from .bedrock_server import signature_of

AUTH = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/sts/aws4_request, "
    r"SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$"
)
TEMP_KEY = "ASIATEMPORARYKEY"
TEMP_SECRET = "temporary/secret+from-sts"
TEMP_TOKEN = "FwoGZXIvYXdzEXAMPLEsessiontoken"


class StsServer(ThreadingHTTPServer):
    """`with StsServer({key: secret}) as sts:` then AWS_ENDPOINT_URL_STS=sts.url."""

    def __init__(self, keys: dict[str, str]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.keys = keys
        self.calls: list[dict[str, str]] = []  # the AssumeRole forms, with the caller's key
        self.refused: list[str] = []
        self.url = f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self) -> StsServer:
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    server: StsServer

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        problem = self._problem(raw, form)
        if problem:
            self.server.refused.append(problem)
            self._send(403, f"<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied"
                            f"</Code><Message>{problem}</Message></Error></ErrorResponse>")
            return
        self.server.calls.append(form)
        expires = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        session = form["RoleSessionName"]
        assumed = form["RoleArn"].replace(":iam::", ":sts::").replace(":role/", ":assumed-role/")
        self._send(200, f"""<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <Credentials>
      <AccessKeyId>{TEMP_KEY}</AccessKeyId>
      <SecretAccessKey>{TEMP_SECRET}</SecretAccessKey>
      <SessionToken>{TEMP_TOKEN}</SessionToken>
      <Expiration>{expires}</Expiration>
    </Credentials>
    <AssumedRoleUser>
      <AssumedRoleId>AROAEXAMPLE:{session}</AssumedRoleId>
      <Arn>{assumed}/{session}</Arn>
    </AssumedRoleUser>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata>
</AssumeRoleResponse>""")

    def _problem(self, raw: bytes, form: dict[str, str]) -> str:
        if form.get("Action") != "AssumeRole" or form.get("Version") != "2011-06-15":
            return f"not an AssumeRole call: {form.get('Action')}"
        if not form.get("RoleArn", "").startswith("arn:aws:iam::") or "RoleSessionName" not in form:
            return "RoleArn and RoleSessionName are required"
        headers = {k.lower(): v for k, v in self.headers.items()}
        match = AUTH.match(headers.get("authorization", ""))
        if match is None:
            return "the call is not SigV4-signed for sts"
        key, _date, region, names, signature = match.groups()
        if key not in self.server.keys:
            return f"unknown access key {key}"
        expected = signature_of("POST", self.path.split("?")[0], headers, raw, names.split(";"),
                                headers.get("x-amz-date", ""), region, "sts",
                                self.server.keys[key])
        if not hmac.compare_digest(expected, signature):
            return "signature mismatch"
        form["caller"] = key
        return ""

    def _send(self, status: int, text: str) -> None:
        body = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass
