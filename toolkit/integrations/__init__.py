"""cedar-gates inside other agent runtimes (the Claude Agent SDK: `toolkit.integrations.claude_agent_sdk`)."""
