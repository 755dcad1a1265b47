import { describe, expect, it } from "vitest";
import { streamUrl } from "../src/core/stream_url";

const loc = (href: string) => {
  const u = new URL(href);
  return { protocol: u.protocol, hostname: u.hostname, host: u.host, port: u.port, search: u.search };
};
const stream = { path: "/ws", port: 8080, apiPort: 3000 };

describe("streamUrl", () => {
  it("uses WS_PORT when agent-server serves the page", () => {
    expect(streamUrl(loc("http://localhost:3000/"), stream)).toBe("ws://localhost:8080/ws");
    expect(streamUrl(loc("http://[::1]:3000/"), stream)).toBe("ws://[::1]:8080/ws");
  });

  it("uses the page's origin behind a proxy", () => {
    expect(streamUrl(loc("https://swarm.example.org/"), stream)).toBe("wss://swarm.example.org/ws");
    expect(streamUrl(loc("http://127.0.0.1:5173/"), stream)).toBe("ws://127.0.0.1:5173/ws");
    expect(streamUrl(loc("http://127.0.0.1:3000/"), undefined)).toBe("ws://127.0.0.1:3000/ws");
  });

  it("takes ?ws= over both", () => {
    expect(streamUrl(loc("http://localhost:3000/?ws=ws://10.0.0.1:9/ws"), stream)).toBe("ws://10.0.0.1:9/ws");
  });
});
