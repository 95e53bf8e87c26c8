"""The use cases: import, rebuild, report, demo. The CLI, API and web call these."""
