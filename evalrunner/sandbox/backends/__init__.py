"""Built-in sandbox backends: one module each, registered when this folder loads."""
