"""Built-in components: one module each, registered when this folder loads."""
