"""Web pages for people."""

from __future__ import annotations

from flask import Blueprint, render_template

from service.db import get_session
from service.engine import get_index_holder
from service.lists import source_overview

bp = Blueprint("pages", __name__)


@bp.get("/")
def index() -> str:
    """Overview: which lists serve, how old they are, and how to call the API."""
    sources = source_overview(get_session())
    loaded = get_index_holder().loaded
    return render_template("index.html", sources=sources, index=loaded)
