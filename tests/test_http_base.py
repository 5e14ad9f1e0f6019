"""One HTTP base for every provider speaking JSON over HTTP, OpenAI-compatible ones too;
Azure OpenAI is a provider of its own name, never chosen by the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalrunner.model import get_model
from evalrunner.model.providers._http import HttpModelAPI
from evalrunner.registry import resolve
from tests.conftest import run_cli, write


@pytest.mark.parametrize("provider", [
    "openai", "openai-api", "azure-openai", "groq", "vllm", "ollama", "openrouter",
    "anthropic", "mistral", "google", "azureai",
])
def test_http_providers_share_one_base(provider: str) -> None:
    assert issubclass(resolve("modelapi", provider).obj, HttpModelAPI)


def test_azure_is_chosen_by_its_name_not_by_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AZUREAI_OPENAI_API_KEY", "azure-key-123456")
    monkeypatch.setenv("AZUREAI_OPENAI_BASE_URL", "http://127.0.0.1:9")
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    openai = get_model("openai/gpt-4o-mini", memoize=False)
    assert type(openai.api).__name__ == "OpenAIAPI"
    assert openai.api.base_url == "https://api.openai.com/v1"
    azure = get_model("azure-openai/my-deployment", memoize=False)
    assert type(azure.api).__name__ == "AzureOpenAIAPI"
    assert azure.api.base_url == "http://127.0.0.1:9/openai/deployments/my-deployment"


def test_the_old_azure_switch_names_the_provider(tmp_path: Path) -> None:
    suite = write(tmp_path / "s.yml", "tasks: [{dataset: {samples: [{input: hi}]}}]\n")
    result = run_cli("run", str(suite), "--model", "openai/gpt-4o", "-M", "azure=true",
                     "--log-dir", str(tmp_path / "logs"), env={"OPENAI_API_KEY": "k"})
    assert result.returncode == 2
    assert "use azure-openai/<deployment>" in result.stderr
    assert not (tmp_path / "logs").exists()
