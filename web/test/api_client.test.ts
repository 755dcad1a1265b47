import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiClient, ApiError } from "../src/ui/api_client";

/** A Storage in memory, as the browser's sessionStorage. */
function memoryStorage(): Storage {
  const m = new Map<string, string>();
  return {
    get length() { return m.size; },
    clear: () => m.clear(),
    getItem: (k) => m.get(k) ?? null,
    key: (i) => [...m.keys()][i] ?? null,
    removeItem: (k) => void m.delete(k),
    setItem: (k, v) => void m.set(k, v),
  };
}

function answer(status: number, body: string) {
  return vi.fn(async () => new Response(body, { status }));
}

afterEach(() => vi.unstubAllGlobals());

describe("ApiClient", () => {
  it("sends the key as a bearer token and the body as JSON", async () => {
    const fetch = answer(201, '{"numId":7}');
    vi.stubGlobal("fetch", fetch);
    const api = new ApiClient("", memoryStorage());
    api.key = "secret";
    expect(await api.request("POST", "/api/agents", { type: "coder" })).toEqual({ numId: 7 });
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe("/api/agents");
    expect(init.headers).toMatchObject({ Authorization: "Bearer secret", "Content-Type": "application/json" });
    expect(init.body).toBe('{"type":"coder"}');
  });

  it("raises the server's error code and message", async () => {
    vi.stubGlobal("fetch", answer(409, '{"error":{"code":"conflict","message":"name: taken","field":"name"}}'));
    const err = await new ApiClient("", memoryStorage()).request("POST", "/api/agents", {}).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 409, code: "conflict", message: "name: taken" });
  });

  it("reports a body that is not the API's error shape with its status", async () => {
    vi.stubGlobal("fetch", answer(502, "<html>Bad Gateway</html>"));
    const err = await new ApiClient("", memoryStorage()).request("GET", "/api/snapshot").catch((e) => e);
    expect(err).toMatchObject({ status: 502, code: "http_502", message: "<html>Bad Gateway</html>" });
  });

  it("reports an unreachable server as a network error", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => { throw new TypeError("Failed to fetch"); }));
    const err = (await new ApiClient("", memoryStorage()).request("GET", "/health").catch((e) => e)) as ApiError;
    expect(err).toMatchObject({ status: 0, code: "network" });
    expect(err.message).toContain("Failed to fetch");
  });

  it("keeps the key in the given storage and forgets an empty one", () => {
    const storage = memoryStorage();
    const api = new ApiClient("", storage);
    api.key = "k";
    expect(storage.getItem("av.apiKey")).toBe("k");
    api.key = "";
    expect(storage.getItem("av.apiKey")).toBeNull();
  });
});
