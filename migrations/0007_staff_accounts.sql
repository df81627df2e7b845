-- Staff accounts: tables of our own beside the seed's 13.
--
-- * Email is unique case-insensitively (an index on lower(email)), so
--   "Ana@Shop.com" and "ana@shop.com" are one account.
-- * session_version ends sessions: every signed session cookie carries the
--   version it was issued at, and a password change or deactivation bumps it.
-- * Failed logins are counted per email address in login_throttle, not on the
--   account, so an unknown address is throttled exactly like a real one and the
--   answer never reveals which addresses have accounts. The counter lives in
--   the database so it holds across processes and hosts.
-- * setup_tokens holds the hash of the one-time link that creates the first
--   admin; a token is good until used, and only while there are no accounts.

CREATE TABLE staff_users (
    id text NOT NULL PRIMARY KEY,
    email text NOT NULL,
    name text NOT NULL DEFAULT '',
    password_hash text NOT NULL,
    role text NOT NULL,
    is_active boolean NOT NULL DEFAULT true,
    session_version integer NOT NULL DEFAULT 1,
    created_at timestamp with time zone NOT NULL DEFAULT now(),
    updated_at timestamp with time zone NOT NULL DEFAULT now(),
    last_login_at timestamp with time zone,

    CONSTRAINT staff_users_role_check CHECK (role IN ('admin', 'editor', 'viewer')),
    CONSTRAINT staff_users_email_check CHECK (email = btrim(email) AND email LIKE '%_@_%')
);

CREATE UNIQUE INDEX staff_users_email_unique
    ON staff_users (lower(email));

CREATE TRIGGER staff_users_touch_updated_at
    BEFORE UPDATE ON staff_users
    FOR EACH ROW EXECUTE FUNCTION catalog_touch_updated_at();


CREATE TABLE login_throttle (
    email_key text NOT NULL PRIMARY KEY,
    failed_logins integer NOT NULL DEFAULT 0,
    locked_until timestamp with time zone,
    updated_at timestamp with time zone NOT NULL DEFAULT now()
);


CREATE TABLE setup_tokens (
    token_hash text NOT NULL PRIMARY KEY,
    created_at timestamp with time zone NOT NULL DEFAULT now(),
    used_at timestamp with time zone
);
