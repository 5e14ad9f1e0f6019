"""Agents written with the agent API (`evalrunner.agent`), used by agent_api.yml.

`researcher` is the agent that agent_api.yml's `yaml_researcher` task declares in YAML,
written in Python; `checker` is an agent written from scratch (the protocol: a function
from an AgentState to an AgentState); `researcher_from_yaml` is the agent declared in
researcher.agent.yml, made in Python.
"""

from pathlib import Path

from evalrunner.agent import (
    Agent,
    AgentState,
    agent,
    as_tool,
    handoff,
    last_message,
    react,
    yaml_agent,
)
from evalrunner.model import get_model


@agent
def checker() -> Agent:
    """Checks the answer found so far."""

    async def execute(state: AgentState) -> AgentState:
        output = await get_model().generate(state.messages)
        state.messages.append(output.message)
        state.output = output
        return state

    return execute


@agent
def researcher() -> Agent:
    """Asks the calculator, hands the conversation to the checker, then submits."""
    calculator = react(name="calculator", description="Answers sums.",
                       prompt="You compute sums.", model="helper", submit=False)
    return react(prompt="You are a careful researcher.",
                 tools=[as_tool(calculator), handoff(checker(), output_filter=last_message)])


@agent
def researcher_from_yaml() -> Agent:
    """The researcher as researcher.agent.yml declares it."""
    return yaml_agent("researcher.agent.yml", base_dir=Path(__file__).parent)
