-- The files a run copied back (path, bytes, sha256), as JSON; NULL for runs without any.
ALTER TABLE runs ADD COLUMN artifacts TEXT;
