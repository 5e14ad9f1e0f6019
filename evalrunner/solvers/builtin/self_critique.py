"""`self_critique`: have a model critique the answer, then answer again in the light of it."""

from __future__ import annotations

from ...model._chat import ChatMessageUser
from ...model._get import model_ref
from .._solver import Generate, Solver, solver
from .._task_state import TaskState
from ._vars import load_template, render_template, template_variables


@solver(
    template_args=("critique_template", "completion_template"),
    template_vars=("question", "completion", "critique"),
)
def self_critique(
    critique_template: str | None = None,
    completion_template: str | None = None,
    model: str | None = None,
) -> Solver:
    """Critique the last output, play the critique back as a user message, generate again.

    `critique_template` (variables `question`, `completion`) asks for the critique;
    `completion_template` (plus `critique`) asks for the improved answer. `model` is a model
    name (`openai/gpt-4o`) or a role of the task (`grader`); by default the evaluated model
    critiques its own answer.
    """
    critique_source = load_template(critique_template, default="self_critique.j2")
    completion_source = load_template(completion_template, default="self_critique_completion.j2")
    critic_model = model_ref(model)  # a bad name or an unbound role fails when the plan is made

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        critic = critic_model()  # here, not earlier: the evaluated model is set per run
        question = state.input_text
        completion = state.output.completion
        prompt = render_template(
            critique_source, template_variables(state, question=question, completion=completion)
        )
        critique = await critic.generate(prompt)
        if critique.error:
            raise RuntimeError(f"the critique failed: {critique.error}")
        variables = template_variables(
            state, question=question, completion=completion, critique=critique.completion
        )
        text = render_template(completion_source, variables).strip()
        state.messages.append(ChatMessageUser(content=text))
        return await generate(state)

    return solve
