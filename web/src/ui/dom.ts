// Small DOM helpers: the panels build plain elements, no framework.

type Child = Node | string | number | null | undefined | false;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K, attrs: Record<string, string | number | boolean | undefined> = {}, ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k === "text") node.textContent = String(v);
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) node.append(c instanceof Node ? c : String(c));
  return node;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`#${id} missing from index.html`);
  return node as T;
}

/** "4 s", "3 min", "2 h" */
export function age(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 90) return `${s} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  return `${Math.round(s / 3600)} h`;
}

// One formatter for every time of day shown: toLocaleTimeString builds a new
// one per call (about 60 µs), and the event log shows 150 times each refresh.
const TIME_OF_DAY = new Intl.DateTimeFormat([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });

/** "14:03:27" in the browser's time zone, 24-hour. */
export function clock(ms: number): string {
  return TIME_OF_DAY.format(ms);
}

/** Fills a <select> with options, keeping the chosen value when it remains. */
export function setOptions(select: HTMLSelectElement, values: string[], allLabel?: string): void {
  const keep = select.value;
  const wanted = [...(allLabel !== undefined ? [""] : []), ...values];
  const have = [...select.options].map((o) => o.value);
  if (have.length === wanted.length && have.every((v, i) => v === wanted[i])) return;
  select.replaceChildren(
    ...(allLabel !== undefined ? [el("option", { value: "", text: allLabel })] : []),
    ...values.map((v) => el("option", { value: v, text: v })),
  );
  select.value = wanted.includes(keep) ? keep : wanted[0] ?? "";
}
