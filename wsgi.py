"""Standalone e-KTP portal: ``flask --app wsgi run`` or any WSGI server (``wsgi:app``)."""
from ektp_admin.standalone import create_app

app = create_app()
