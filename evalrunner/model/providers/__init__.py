"""Model providers: one module each, registered with @modelapi when this folder loads."""
