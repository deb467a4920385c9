"""LDAP simple bind (ldap3): the directory says whether the password is right."""

from __future__ import annotations

import logging
import math

from config.sections.web import LdapSettings

log = logging.getLogger("govmail.web")


def ldap_bind(settings: LdapSettings, username: str, password: str) -> str | None:
    """The user's mailbox ("" if the directory has none) when the bind succeeds, else None."""
    import ldap3
    from ldap3.core.exceptions import LDAPException
    from ldap3.utils.dn import escape_rdn

    dn = settings.user_dn.format(username=escape_rdn(username))
    timeout = max(1, math.ceil(settings.timeout_seconds))  # ldap3 wants whole seconds
    server = ldap3.Server(settings.url, connect_timeout=timeout)
    conn = ldap3.Connection(server, user=dn, password=password, receive_timeout=timeout)
    try:
        if not conn.bind():
            return None
        conn.search(
            dn, "(objectClass=*)", search_scope=ldap3.BASE, attributes=[settings.mail_attribute]
        )
        values = conn.entries[0][settings.mail_attribute].values if conn.entries else []
    except LDAPException as exc:
        log.warning("LDAP bind for %s failed: %s", username, exc)
        return None
    finally:
        conn.unbind()
    return str(values[0]) if values else ""
