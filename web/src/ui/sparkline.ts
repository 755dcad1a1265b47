// A tiny line chart of a metric's history as inline SVG.

const NS = "http://www.w3.org/2000/svg";

export function sparkline(values: number[], width = 90, height = 22): SVGSVGElement {
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("width", String(width));
  svg.setAttribute("height", String(height));
  svg.setAttribute("class", "spark");
  if (values.length < 2) return svg;
  const lo = Math.min(...values), hi = Math.max(...values);
  const span = hi - lo || 1;
  const pts = values.map((v, i) => `${((i / (values.length - 1)) * (width - 2) + 1).toFixed(1)},${(height - 1 - ((v - lo) / span) * (height - 2)).toFixed(1)}`);
  const line = document.createElementNS(NS, "polyline");
  line.setAttribute("points", pts.join(" "));
  svg.appendChild(line);
  return svg;
}

/** ↑ increasing, ↓ decreasing, → stable. */
export function trendArrow(trend: string | undefined): string {
  if (trend === "increasing") return "↑";
  if (trend === "decreasing") return "↓";
  return trend === "stable" ? "→" : "";
}
