"""Standalone e-KTP portal: ``flask --app wsgi run`` or any WSGI server (``wsgi:app``).

The same app as ``flask --app ektp_admin.standalone run`` (which finds
:func:`~ektp_admin.standalone.create_app` by itself and works from an installed
wheel; this file is not in the wheel).
"""
from ektp_admin.standalone import create_app

app = create_app()
