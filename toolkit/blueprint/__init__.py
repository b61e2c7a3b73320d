"""Blueprint files (YAML or bare .cedar) loaded with source positions."""
