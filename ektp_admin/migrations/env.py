"""Alembic's environment for the standalone command (``flask ektp upgrade``).

A Flask-Migrate portal never runs this file: its own ``env.py`` runs our
revisions (see :mod:`ektp_admin.migrations`).
"""
from alembic import context

from ektp_admin.migrations.runner import run_environment

run_environment(context)
