-- Guild settings are read from the database for every request (authorization never rests on a
-- copy that could be out of date), so nothing listens for changes any more: the triggers and
-- the function of migration 0006 go.

DROP TRIGGER IF EXISTS guild_allowed_roles_notify ON guild_allowed_roles;
DROP TRIGGER IF EXISTS guild_allowed_roles_notify_truncate ON guild_allowed_roles;
DROP TRIGGER IF EXISTS guild_allowed_channels_notify ON guild_allowed_channels;
DROP TRIGGER IF EXISTS guild_allowed_channels_notify_truncate ON guild_allowed_channels;
DROP TRIGGER IF EXISTS guild_policies_notify ON guild_policies;
DROP TRIGGER IF EXISTS guild_policies_notify_truncate ON guild_policies;
DROP FUNCTION IF EXISTS dlcshare_notify_guild_settings();
