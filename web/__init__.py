"""The staff and moderator console, its JSON API and the NLU's HTTP face (FastAPI + Jinja2)."""
from web.app import create_web_app

__all__ = ["create_web_app"]
