-- SPEC §12: the languages an approval is written in. The card keeps the server's language
-- (`guild_locale`) for every later edit, the sweeper's included; the requester is told of the
-- decision in their own (`locale`). Discord's codes as sent; NULL reads as English.
ALTER TABLE approvals
    ADD COLUMN card_locale text CHECK (char_length(card_locale) <= 16),
    ADD COLUMN requester_locale text CHECK (char_length(requester_locale) <= 16);
