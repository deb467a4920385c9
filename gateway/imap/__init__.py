"""IMAP ingestion (issue 6): pull official mailboxes into the archive, never modifying them.

``folder_names`` encodes and decodes modified UTF-7, ``client`` is the read-only connection
over aioimaplib, ``sync`` keeps each folder's position, ``runner`` runs accounts concurrently.
"""
