"""Python tools for the example suites: the schema comes from the hints and the docstring."""

from evalrunner import tool


@tool(prompt="Use the add tool for any sum.")
def add():
    async def execute(x: int, y: int) -> int:
        """Add two whole numbers.

        Args:
            x: The first number.
            y: The second number.
        """
        return x + y

    return execute


@tool(params={"user_name": "metadata.user_name"})
def greet():
    async def execute(greeting: str, user_name: str) -> str:
        """Greet the user of this sample by name.

        Args:
            greeting: The greeting word.
            user_name: Filled from the sample's metadata, never by the model.
        """
        return f"{greeting}, {user_name}"

    return execute
