// Reads PromQL with Prometheus' own grammar (@prometheus-io/lezer-promql,
// the parser of Prometheus' web UI), so that metric and label names come out
// of real syntax trees rather than a pattern over the text.
import { parser } from "@prometheus-io/lezer-promql";

/**
 * The names an expression uses: {metrics, labels, errors}, where `labels`
 * maps each metric to the label names its own matchers name, and
 * `grouping` lists the names of by/without/on/ignoring clauses.
 */
export function promqlNames(expr) {
  const tree = parser.parse(expr);
  const text = (node) => expr.slice(node.from, node.to);
  const metrics = new Set();
  const labels = new Map();
  const grouping = new Set();
  let errors = 0;
  tree.iterate({
    enter(ref) {
      if (ref.type.isError) errors++;
      const node = ref.node;
      if (ref.name === "VectorSelector") {
        const id = node.getChild("Identifier");
        const name = id ? text(id) : null;
        const matched = node.getChild("LabelMatchers")?.getChildren("UnquotedLabelMatcher") ?? [];
        const names = matched.map((m) => text(m.getChild("LabelName")));
        const metric = name ?? "";
        if (name) metrics.add(name);
        labels.set(metric, [...(labels.get(metric) ?? []), ...names]);
      }
      if (ref.name === "GroupingLabels") {
        for (const l of node.getChildren("LabelName")) grouping.add(text(l));
      }
    },
  });
  return { metrics, labels, grouping, errors };
}
