// What the node says about itself on the stream (`node.*` events,
// docs/protocol.md): its stores' connections, for a status line.

/** A persistence store as the last `node.store` event described it. */
export interface StoreLink {
  connected: boolean;
  /** Writes waiting in the node's buffer at the change. */
  buffered: number;
  reason: string;
  /** When it changed (ms since the epoch). */
  since: number;
}

/**
 * One line naming the stores that are down, or "" when every store the
 * stream told about is connected.
 */
export function storeOutageLine(stores: ReadonlyMap<string, StoreLink>): string {
  const down = [...stores.entries()].filter(([, s]) => !s.connected);
  return down
    .map(([name, s]) => `${name} unavailable${s.reason ? ` (${s.reason})` : ""}, ${s.buffered} writes buffered`)
    .join("; ");
}
