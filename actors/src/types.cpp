#include "av/types.hpp"

#include <strings.h>

namespace av {

namespace {

template <class Enum, size_t N>
bool parse_enum(std::string_view str, Enum& x, const Enum (&values)[N]) {
  for (auto value : values) {
    std::string_view name = to_string(value);
    if (name.size() == str.size()
        && strncasecmp(name.data(), str.data(), str.size()) == 0) {
      x = value;
      return true;
    }
  }
  return false;
}

} // namespace

const char* to_string(agent_state x) {
  switch (x) {
    case agent_state::idle: return "IDLE";
    case agent_state::busy: return "BUSY";
    case agent_state::error: return "ERROR";
    case agent_state::terminated: return "TERMINATED";
  }
  return "?";
}

const char* to_string(provenance x) {
  return x == provenance::measured ? "measured" : "simulated";
}

const char* to_string(trend x) {
  switch (x) {
    case trend::stable: return "stable";
    case trend::increasing: return "increasing";
    case trend::decreasing: return "decreasing";
  }
  return "?";
}

const char* to_string(priority x) {
  switch (x) {
    case priority::low: return "LOW";
    case priority::normal: return "NORMAL";
    case priority::high: return "HIGH";
    case priority::critical: return "CRITICAL";
  }
  return "?";
}

const char* to_string(pattern x) {
  switch (x) {
    case pattern::hierarchical: return "hierarchical";
    case pattern::mesh: return "mesh";
    case pattern::pipeline: return "pipeline";
    case pattern::consensus: return "consensus";
  }
  return "?";
}

const char* to_string(coord_status x) {
  switch (x) {
    case coord_status::forming: return "FORMING";
    case coord_status::active: return "ACTIVE";
    case coord_status::completed: return "COMPLETED";
    case coord_status::failed: return "FAILED";
  }
  return "?";
}

const char* to_string(task_phase x) {
  switch (x) {
    case task_phase::queued: return "queued";
    case task_phase::started: return "started";
    case task_phase::completed: return "completed";
    case task_phase::failed: return "failed";
  }
  return "?";
}

const char* to_string(event_kind x) {
  switch (x) {
    case event_kind::agent_spawned: return "agent.spawned";
    case event_kind::agent_state: return "agent.state";
    case event_kind::task: return "agent.task";
    case event_kind::metrics: return "agent.metrics";
    case event_kind::message: return "message.sent";
    case event_kind::coordination: return "coordination.update";
    case event_kind::agent_terminated: return "agent.terminated";
    case event_kind::tool_called: return "tool.called";
    case event_kind::formation: return "formation.update";
    case event_kind::node_store: return "node.store";
    case event_kind::node_stopping: return "node.stopping";
    case event_kind::node_joined: return "node.joined";
    case event_kind::node_left: return "node.left";
  }
  return "?";
}

bool parse(std::string_view str, agent_state& x) {
  static constexpr agent_state values[]
    = {agent_state::idle, agent_state::busy, agent_state::error,
       agent_state::terminated};
  return parse_enum(str, x, values);
}

bool parse(std::string_view str, provenance& x) {
  static constexpr provenance values[]
    = {provenance::measured, provenance::simulated};
  return parse_enum(str, x, values);
}

bool parse(std::string_view str, priority& x) {
  static constexpr priority values[]
    = {priority::low, priority::normal, priority::high, priority::critical};
  return parse_enum(str, x, values);
}

bool parse(std::string_view str, pattern& x) {
  static constexpr pattern values[] = {pattern::hierarchical, pattern::mesh,
                                       pattern::pipeline, pattern::consensus};
  return parse_enum(str, x, values);
}

bool parse(std::string_view str, coord_status& x) {
  static constexpr coord_status values[]
    = {coord_status::forming, coord_status::active, coord_status::completed,
       coord_status::failed};
  return parse_enum(str, x, values);
}

bool transition_allowed(agent_state from, agent_state to) {
  using s = agent_state;
  switch (from) {
    case s::idle: return to == s::busy || to == s::error || to == s::terminated;
    case s::busy: return to == s::idle || to == s::error || to == s::terminated;
    case s::error: return to == s::idle || to == s::terminated;
    case s::terminated: return false;
  }
  return false;
}

} // namespace av
