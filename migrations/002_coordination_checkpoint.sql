-- What a coordination needs to go on after a restart of the node: tasks
-- open, outputs and votes gathered so far (written by the server, by
-- pattern; '{}' when the run had not started).
ALTER TABLE coordinations ADD COLUMN checkpoint JSONB NOT NULL DEFAULT '{}';
