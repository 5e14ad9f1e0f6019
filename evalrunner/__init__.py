"""evalrunner: declarative, YAML-first LLM evaluations."""
