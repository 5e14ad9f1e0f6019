"""`react` as a plan step: the agent of `evalrunner.agent` (one implementation, which
registers itself as a solver when imported)."""

from ...agent._react import react

__all__ = ["react"]
