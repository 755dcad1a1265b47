// The HTTP API with the operator's key. Failures raise ApiError with the
// server's own code and message (docs/api.md, "Conventions").

import type { Snapshot } from "../core/types";

const KEY_NAME = "av.apiKey";

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

export class ApiClient {
  constructor(private readonly base = "", private readonly storage: Storage = sessionStorage) {}

  get key(): string {
    return this.storage.getItem(KEY_NAME) ?? "";
  }

  set key(value: string) {
    if (value) this.storage.setItem(KEY_NAME, value);
    else this.storage.removeItem(KEY_NAME);
  }

  async request<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (this.key) headers.Authorization = `Bearer ${this.key}`;
    let res: Response;
    try {
      res = await fetch(this.base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: "no-store" });
    } catch (e) {
      throw new ApiError(0, "network", `${method} ${path}: ${e instanceof Error ? e.message : e}`);
    }
    const text = await res.text();
    let json: unknown = undefined;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      // A proxy's HTML error page: reported below with the status.
    }
    if (!res.ok) {
      const err = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new ApiError(res.status, err?.code ?? `http_${res.status}`, err?.message ?? (text.slice(0, 200) || res.statusText));
    }
    return json as T;
  }

  snapshot(): Promise<Snapshot> {
    return this.request<Snapshot>("GET", "/api/snapshot");
  }
}
