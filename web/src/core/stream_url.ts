// Where the event stream is. Served by agent-server itself, the page is on
// the API port and the stream on WS_PORT, which /api/snapshot names
// (`stream`); behind a reverse proxy, the page's own origin serves `/ws`.
// `?ws=URL` overrides both.

import type { StreamInfo } from "./types";

export interface PageLocation {
  protocol: string;
  hostname: string;
  host: string;
  port: string;
  search: string;
}

function defaultPort(protocol: string): string {
  return protocol === "https:" ? "443" : "80";
}

export function streamUrl(loc: PageLocation, stream: StreamInfo | undefined): string {
  const override = new URLSearchParams(loc.search).get("ws");
  if (override) return override;
  const scheme = loc.protocol === "https:" ? "wss:" : "ws:";
  const pagePort = loc.port || defaultPort(loc.protocol);
  const path = stream?.path || "/ws";
  if (stream && stream.port > 0 && String(stream.apiPort) === pagePort) {
    const host = loc.hostname.includes(":") && !loc.hostname.startsWith("[") ? `[${loc.hostname}]` : loc.hostname;
    return `${scheme}//${host}:${stream.port}${path}`;
  }
  return `${scheme}//${loc.host}${path}`;
}
