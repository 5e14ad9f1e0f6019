"""Bedrock credentials through botocore's chain, checked by the SigV4-verifying Bedrock
server: a profile from the credentials file with its region from the config file, an
assume-role chain answered by a local STS stand-in, a credential_process; without the
`bedrock` extra, a message naming it."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from evalrunner.model import GenerateConfig, ModelAPIError, get_model
from tests.extras import needs_extra
from tests.servers.bedrock_server import BedrockServer
from tests.servers.sts_server import TEMP_KEY, TEMP_SECRET, TEMP_TOKEN, StsServer

MODEL = "bedrock/anthropic.claude-3-haiku-20240307-v1:0"
WORK_KEY = "AKIAWORKPROFILE"
WORK_SECRET = "work/secret+key-0123456789"


@pytest.fixture
def aws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[BedrockServer]:
    """A Bedrock server in eu-west-2 and AWS files in tmp_path; no AWS_* from outside."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # no instance to ask here
    (tmp_path / "credentials").write_text(
        f"[work]\naws_access_key_id = {WORK_KEY}\naws_secret_access_key = {WORK_SECRET}\n")
    with BedrockServer(region="eu-west-2") as server:
        server.keys[WORK_KEY] = WORK_SECRET
        monkeypatch.setenv("BEDROCK_BASE_URL", server.url)
        yield server
        assert not server.rejected, server.rejected[0].error


def _config(tmp_path: Path, text: str) -> None:
    (tmp_path / "config").write_text(text)


async def _ask(n: int, **model_args: Any) -> list[str]:
    model = get_model(MODEL, memoize=False, config=GenerateConfig(max_connections=3),
                      **model_args)
    async with model:
        outputs = await asyncio.gather(*(model.generate(f"q{i}") for i in range(n)))
    return [output.completion for output in outputs]


def _caller(server: BedrockServer) -> set[str]:
    return {r.headers["authorization"].split("Credential=")[1].split("/")[0]
            for r in server.requests}


@needs_extra("bedrock", "botocore")
async def test_a_profile_with_its_region_in_the_config_file(
    aws: BedrockServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _config(tmp_path, "[profile work]\nregion = eu-west-2\n")
    assert await _ask(2, profile="work") == ["q0", "q1"]
    monkeypatch.setenv("AWS_PROFILE", "work")  # the same, named by the environment
    assert await _ask(1) == ["q0"]
    assert _caller(aws) == {WORK_KEY}
    assert all("/eu-west-2/bedrock/" in r.headers["authorization"] for r in aws.requests)


@needs_extra("bedrock", "botocore")
async def test_an_assume_role_chain_through_sts(
    aws: BedrockServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with StsServer({WORK_KEY: WORK_SECRET}) as sts:
        monkeypatch.setenv("AWS_ENDPOINT_URL_STS", sts.url)
        _config(tmp_path, "[profile evals]\nrole_arn = arn:aws:iam::123456789012:role/evals\n"
                          "source_profile = work\nregion = eu-west-2\n")
        aws.keys[TEMP_KEY] = TEMP_SECRET
        aws.session_token = TEMP_TOKEN  # the server requires the session's token
        assert await _ask(3, profile="evals") == ["q0", "q1", "q2"]
    assert not sts.refused, sts.refused
    assert len(sts.calls) == 1  # one role session for concurrent requests
    assert sts.calls[0]["caller"] == WORK_KEY
    assert sts.calls[0]["RoleArn"] == "arn:aws:iam::123456789012:role/evals"
    assert _caller(aws) == {TEMP_KEY}


@needs_extra("bedrock", "botocore")
async def test_a_credential_process(
    aws: BedrockServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = tmp_path / "creds.py"
    script.write_text("import json\nprint(json.dumps(" + json.dumps({
        "Version": 1, "AccessKeyId": TEMP_KEY, "SecretAccessKey": TEMP_SECRET,
        "SessionToken": TEMP_TOKEN, "Expiration": "2099-01-01T00:00:00Z"}) + "))\n")
    _config(tmp_path, f"[default]\nregion = eu-west-2\n"
                      f"credential_process = {sys.executable} {script}\n")
    aws.keys[TEMP_KEY] = TEMP_SECRET
    aws.session_token = TEMP_TOKEN
    assert await _ask(1) == ["q0"]
    assert _caller(aws) == {TEMP_KEY}


@needs_extra("bedrock", "botocore")
async def test_an_unknown_profile_and_no_credentials_are_clear_errors(
    aws: BedrockServer, tmp_path: Path
) -> None:
    with pytest.raises(ModelAPIError, match=r"profile.*nosuch"):
        await _ask(1, profile="nosuch", region="eu-west-2")
    (tmp_path / "credentials").write_text("")
    with pytest.raises(ModelAPIError, match="no AWS credentials for Bedrock"):
        await _ask(1, region="eu-west-2")
    assert not aws.requests


async def test_without_the_extra_the_message_names_it(
    aws: BedrockServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [m for m in sys.modules if m == "botocore" or m.startswith("botocore.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "botocore", None)  # as if not installed
    with pytest.raises(ModelAPIError, match=r"botocore: pip install 'evalrunner\[bedrock\]'"):
        await _ask(1, profile="work", region="eu-west-2")
    # A Bedrock API key needs no extra.
    aws.options.api_key = "bedrock-api-key-123"
    monkeypatch.setenv("AWS_BEARER_TOKEN_BEDROCK", "bedrock-api-key-123")
    assert await _ask(1, region="eu-west-2") == ["q0"]
