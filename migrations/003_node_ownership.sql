-- Which node of a cluster owns an agent or a coordination (its NODE_NAME):
-- every node writes its own through to the shared database and restores
-- only its own. '' marks rows written before clustering: the first node to
-- start claims them (docs/persistence.md, "Restart").
ALTER TABLE agents ADD COLUMN node TEXT NOT NULL DEFAULT '';
ALTER TABLE coordinations ADD COLUMN node TEXT NOT NULL DEFAULT '';
CREATE INDEX idx_agents_node ON agents (node);
CREATE INDEX idx_coordinations_node ON coordinations (node);
