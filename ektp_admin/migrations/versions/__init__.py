"""The revisions of the branch ``ektp_admin`` (one module each, in order)."""
