"""SQL for staff accounts, login throttling and first-run setup."""

USER_COLUMNS = """
    id, email, name, role, is_active, session_version, created_at, updated_at, last_login_at
"""


def get_user(conn, *, user_id):
    """One account by id (active or not), or None."""
    return conn.execute(
        f"SELECT {USER_COLUMNS} FROM staff_users WHERE id = %(user_id)s",
        {"user_id": user_id},
    ).fetchone()


def get_signed_in_user(conn, *, user_id):
    """get_user, plus the database's snapshot as this statement saw it (`db_snapshot`):
    the page cache (app.web.pagecache) keys pages on it."""
    return conn.execute(
        f"""
        SELECT {USER_COLUMNS}, pg_current_snapshot()::text AS db_snapshot
          FROM staff_users
         WHERE id = %(user_id)s
        """,
        {"user_id": user_id},
    ).fetchone()


def get_user_for_login(conn, *, email):
    """The account with this email (case-insensitive) and its password hash, or None."""
    return conn.execute(
        f"""
        SELECT {USER_COLUMNS}, password_hash
          FROM staff_users
         WHERE lower(email) = lower(%(email)s)
        """,
        {"email": email},
    ).fetchone()


def get_password_hash(conn, *, user_id):
    row = conn.execute(
        "SELECT password_hash FROM staff_users WHERE id = %(user_id)s", {"user_id": user_id}
    ).fetchone()
    return row["password_hash"] if row else None


def count_users(conn):
    return conn.execute("SELECT count(*) AS n FROM staff_users").fetchone()["n"]


def insert_user(conn, *, user_id, email, name, password_hash, role):
    """A new account; raises UniqueViolation on a taken email."""
    return conn.execute(
        f"""
        INSERT INTO staff_users (id, email, name, password_hash, role)
        VALUES (%(user_id)s, %(email)s, %(name)s, %(password_hash)s, %(role)s)
        RETURNING {USER_COLUMNS}
        """,
        {"user_id": user_id, "email": email, "name": name,
         "password_hash": password_hash, "role": role},
    ).fetchone()


def update_password(conn, *, user_id, password_hash):
    """Set a new password and end every session issued before it."""
    return conn.execute(
        f"""
        UPDATE staff_users
           SET password_hash = %(password_hash)s,
               session_version = session_version + 1
         WHERE id = %(user_id)s
        RETURNING {USER_COLUMNS}
        """,
        {"user_id": user_id, "password_hash": password_hash},
    ).fetchone()


def update_password_hash(conn, *, user_id, password_hash):
    """Store a rehash of the same password (new parameters); sessions stay valid."""
    conn.execute(
        "UPDATE staff_users SET password_hash = %(password_hash)s WHERE id = %(user_id)s",
        {"user_id": user_id, "password_hash": password_hash},
    )


def record_login(conn, *, user_id):
    conn.execute(
        "UPDATE staff_users SET last_login_at = now() WHERE id = %(user_id)s",
        {"user_id": user_id},
    )


def get_throttle(conn, *, email_key):
    """Failed logins in a row for this address, and until when it must wait."""
    return conn.execute(
        """
        SELECT failed_logins, locked_until, locked_until > now() AS is_locked,
               ceil(extract(epoch FROM locked_until - now()))::int AS seconds_left
          FROM login_throttle
         WHERE email_key = %(email_key)s
        """,
        {"email_key": email_key},
    ).fetchone()


def record_failed_login(conn, *, email_key, free_attempts, base_seconds, max_seconds):
    """Count a failure; from the free_attempts-th in a row on, lock for a doubling delay."""
    conn.execute(
        """
        INSERT INTO login_throttle AS t (email_key, failed_logins)
        VALUES (%(email_key)s, 1)
        ON CONFLICT (email_key) DO UPDATE
           SET failed_logins = t.failed_logins + 1,
               locked_until = CASE
                   WHEN t.failed_logins + 1 >= %(free_attempts)s
                   THEN now() + make_interval(secs => least(
                            %(max_seconds)s::float8,
                            %(base_seconds)s * power(2, t.failed_logins + 1 - %(free_attempts)s)))
               END,
               updated_at = now()
        """,
        {"email_key": email_key, "free_attempts": free_attempts,
         "base_seconds": base_seconds, "max_seconds": max_seconds},
    )


def clear_throttle(conn, *, email_key):
    conn.execute(
        "DELETE FROM login_throttle WHERE email_key = %(email_key)s", {"email_key": email_key}
    )


def insert_setup_token(conn, *, token_hash):
    conn.execute(
        "INSERT INTO setup_tokens (token_hash) VALUES (%(token_hash)s)",
        {"token_hash": token_hash},
    )


def lock_setup_token(conn, *, token_hash):
    """The unused token with this hash, locked for this transaction, or None."""
    return conn.execute(
        """
        SELECT token_hash
          FROM setup_tokens
         WHERE token_hash = %(token_hash)s
           AND used_at IS NULL
           FOR UPDATE
        """,
        {"token_hash": token_hash},
    ).fetchone()


def use_setup_tokens(conn):
    """Once there is an account, no setup link works any more."""
    conn.execute("UPDATE setup_tokens SET used_at = now() WHERE used_at IS NULL")
