// Messages to the operator; errors from the server are shown with their
// status and code, never swallowed.

import { ApiError } from "./api_client";
import { el } from "./dom";

const SHOW_MS = 8_000;

export class Notices {
  /** Every error shown, newest last (read by tests). */
  readonly errors: string[] = [];

  constructor(private readonly root: HTMLElement) {}

  info(text: string): void {
    this.show(text, "info");
  }

  error(e: unknown): void {
    const text = e instanceof ApiError
      ? `${e.status || "network"} ${e.code}: ${e.message}`
      : e instanceof Error ? e.message : String(e);
    this.errors.push(text);
    this.show(text, "error");
  }

  private show(text: string, kind: "info" | "error"): void {
    const node = el("div", { class: `notice notice-${kind}`, role: kind === "error" ? "alert" : "status" }, text,
      el("button", { class: "close", title: "dismiss", text: "×" }));
    node.querySelector("button")!.addEventListener("click", () => node.remove());
    this.root.append(node);
    while (this.root.children.length > 5) this.root.firstElementChild!.remove();
    setTimeout(() => node.remove(), kind === "error" ? 2 * SHOW_MS : SHOW_MS);
  }
}
