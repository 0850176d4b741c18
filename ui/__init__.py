"""The Gradio chat for investors and officials (built on assistant.retrieval; see issue 6)."""
