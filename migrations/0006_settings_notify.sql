-- Every change to a guild's settings is announced on the channel `dlcshare_guild_settings`,
-- with the guild id as payload (`*` after a TRUNCATE): each bot process keeps guild settings
-- in memory only while it listens there, so a change made through any replica, or by hand
-- in SQL, reaches all of them (SPEC §11). The notice is sent when the transaction commits.

CREATE FUNCTION dlcshare_notify_guild_settings() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM pg_notify('dlcshare_guild_settings', '*');
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM pg_notify('dlcshare_guild_settings', OLD.guild_id);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM pg_notify('dlcshare_guild_settings', NEW.guild_id);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER guild_allowed_roles_notify
    AFTER INSERT OR UPDATE OR DELETE ON guild_allowed_roles
    FOR EACH ROW EXECUTE FUNCTION dlcshare_notify_guild_settings();
CREATE TRIGGER guild_allowed_roles_notify_truncate
    AFTER TRUNCATE ON guild_allowed_roles
    FOR EACH STATEMENT EXECUTE FUNCTION dlcshare_notify_guild_settings();

CREATE TRIGGER guild_allowed_channels_notify
    AFTER INSERT OR UPDATE OR DELETE ON guild_allowed_channels
    FOR EACH ROW EXECUTE FUNCTION dlcshare_notify_guild_settings();
CREATE TRIGGER guild_allowed_channels_notify_truncate
    AFTER TRUNCATE ON guild_allowed_channels
    FOR EACH STATEMENT EXECUTE FUNCTION dlcshare_notify_guild_settings();

CREATE TRIGGER guild_policies_notify
    AFTER INSERT OR UPDATE OR DELETE ON guild_policies
    FOR EACH ROW EXECUTE FUNCTION dlcshare_notify_guild_settings();
CREATE TRIGGER guild_policies_notify_truncate
    AFTER TRUNCATE ON guild_policies
    FOR EACH STATEMENT EXECUTE FUNCTION dlcshare_notify_guild_settings();
