-- 009_gin_pending.sql - no write waits tens of milliseconds for the GIN
-- indexes of users.
--
-- A GIN index collects new entries in a pending list, and the write that
-- finds the list over gin_pending_list_limit (4 MB by default) moves all of
-- it into the index before it can finish. Each create and each change of a
-- user's document adds an entry per path and value of the document, so at
-- provisioning rates one write in a few hundred waited 30-50 ms for that.
-- A shorter list is moved more often, in steps of a few milliseconds.
ALTER INDEX users_doc_fold SET (gin_pending_list_limit = 256);
ALTER INDEX users_user_name_trigram SET (gin_pending_list_limit = 256);
