"""The live gate for coding agents: Claude Code's PreToolUse / PostToolUse command hook."""
