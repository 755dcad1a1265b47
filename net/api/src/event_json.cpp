#include "av/api/event_json.hpp"

#include "av/api/json_mapping.hpp"

namespace av {

namespace {

using json = nlohmann::json;

struct payload_json {
  json operator()(const agent_spawned& x) const { return json(x.agent); }

  json operator()(const agent_state_changed& x) const {
    return json{{"numId", x.agent},
                {"from", to_string(x.from)},
                {"to", to_string(x.to)},
                {"reason", x.reason}};
  }

  json operator()(const task_event& x) const {
    return json{{"numId", x.agent},
                {"taskId", x.task_id},
                {"phase", to_string(x.phase)},
                {"description", x.description},
                {"durationMs", x.duration_ms}};
  }

  json operator()(const metrics_event& x) const {
    return json{
      {"numId", x.agent}, {"metrics", x.sample}, {"trends", x.trends}};
  }

  json operator()(const message_event& x) const {
    // Ids are 64 bits; JavaScript numbers hold 53, so the id is a string.
    return json{{"id", std::to_string(x.id)},
                {"from", x.from},
                {"to", x.to},
                {"type", x.type},
                {"priority", to_string(x.prio)},
                {"success", x.success},
                {"latencyNs", x.latency_ns}};
  }

  json operator()(const coordination_event& x) const {
    return json{{"id", x.id},
                {"pattern", to_string(x.kind)},
                {"status", to_string(x.status)},
                {"progress", x.progress},
                {"stepsDone", x.steps_done},
                {"stepsTotal", x.steps_total},
                {"detail", x.detail},
                {"participants", x.participants}};
  }

  json operator()(const agent_terminated& x) const {
    return json{{"numId", x.agent}, {"id", x.id}, {"reason", x.reason}};
  }
  json operator()(const tool_called& x) const {
    return json{{"tool", x.tool},
                {"outcome", x.outcome},
                {"durationUs", x.duration_us},
                {"client", x.client}};
  }

  json operator()(const store_event& x) const {
    return json{{"store", x.store},
                {"connected", x.connected},
                {"buffered", x.buffered},
                {"reason", x.reason}};
  }

  json operator()(const node_stopping& x) const {
    return json{{"reason", x.reason}};
  }

  json operator()(const node_joined& x) const {
    return json{{"node", x.node}, {"address", x.address}};
  }

  json operator()(const node_left& x) const {
    return json{{"node", x.node}, {"address", x.address}, {"reason", x.reason}};
  }

  json operator()(const formation_event& x) const {
    return json{{"id", x.id},
                {"pattern", x.kind},
                {"phase", x.phase},
                {"agents", x.agents}};
  }
};

} // namespace

json event_json(const event& x) {
  return json{{"seq", x.seq},
              {"time", x.time_ms},
              {"type", to_string(x.kind())},
              {"data", caf::visit(payload_json{}, x.payload)}};
}

} // namespace av
