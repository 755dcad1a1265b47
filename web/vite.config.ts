import { defineConfig } from "vitest/config";

// `npm run dev` proxies the API and the stream to a local agent-server
// (AV_API, AV_WS), the way a reverse proxy in front of the node does.
const api = process.env.AV_API ?? "http://127.0.0.1:3000";
const ws = process.env.AV_WS ?? "ws://127.0.0.1:8080";

export default defineConfig({
  base: "./",
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 1000 },
  server: {
    proxy: {
      "/api": api,
      "/health": api,
      "/ws": { target: ws, ws: true },
    },
  },
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
  },
});
