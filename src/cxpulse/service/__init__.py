"""The use cases the CLI, the API and the web call: importing files and API batches,
deriving KPIs and rollups, reports and drill-downs, training and scoring, surveys, keys,
webhooks, the demo. Each module is named for its use case.
"""
