"""Blueprints: one module per resource, each exposing `bp`."""
