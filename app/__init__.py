"""The comgraph web app: ``create_app(config)`` builds a Flask app around one Store."""
