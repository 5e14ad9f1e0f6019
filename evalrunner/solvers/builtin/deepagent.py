"""`deepagent` as a plan step: the agent of `evalrunner.agent` (it registers itself as a
solver when imported)."""

from ...agent._deepagent import deepagent

__all__ = ["deepagent"]
