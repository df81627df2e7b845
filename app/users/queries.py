"""SQL for managing staff accounts (admins only)."""

from ..auth.queries import USER_COLUMNS


def list_users(conn):
    """Every account, active first, then by email."""
    return conn.execute(
        f"""
        SELECT {USER_COLUMNS}
          FROM staff_users
         ORDER BY is_active DESC, lower(email)
        """
    ).fetchall()


def lock_active_admins(conn):
    """Ids of the active admins, locked so two demotions cannot both pass the last-admin check."""
    rows = conn.execute(
        """
        SELECT id
          FROM staff_users
         WHERE role = 'admin'
           AND is_active
         ORDER BY id
           FOR UPDATE
        """
    ).fetchall()
    return [r["id"] for r in rows]


def update_user(conn, *, user_id, name, role):
    return conn.execute(
        f"""
        UPDATE staff_users
           SET name = %(name)s,
               role = %(role)s
         WHERE id = %(user_id)s
        RETURNING {USER_COLUMNS}
        """,
        {"user_id": user_id, "name": name, "role": role},
    ).fetchone()


def set_active(conn, *, user_id, is_active):
    """Activate or deactivate; deactivation ends the account's sessions."""
    return conn.execute(
        f"""
        UPDATE staff_users
           SET is_active = %(is_active)s,
               session_version = session_version + CASE WHEN %(is_active)s THEN 0 ELSE 1 END
         WHERE id = %(user_id)s
        RETURNING {USER_COLUMNS}
        """,
        {"user_id": user_id, "is_active": is_active},
    ).fetchone()
