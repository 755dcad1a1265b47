#include "av/registry.hpp"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include "av/agent.hpp"
#include "av/base/log.hpp"
#include "av/base/text.hpp"
#include "av/coordination.hpp"
#include "av/error.hpp"
#include "av/traced.hpp"

namespace av {

namespace {

using self_ptr = registry_actor::stateful_pointer<registry_data>;
using agent_entry = registry_data::agent_entry;

constexpr size_t max_type_length = 50;
constexpr size_t max_name_length = 255;
constexpr size_t max_participants = 100;

bool valid_type(const std::string& type) {
  if (type.empty() || type.size() > max_type_length)
    return false;
  return std::all_of(type.begin(), type.end(), [](char c) {
    return std::islower(static_cast<unsigned char>(c))
           || std::isdigit(static_cast<unsigned char>(c)) || c == '_'
           || c == '-';
  });
}

/// Checks a spawn request; returns an error naming the offending field.
caf::error validate(self_ptr self, agent_spec& spec) {
  auto& st = self->state;
  if (!valid_type(spec.type))
    return make_error(ec::invalid_argument, "type",
                      "expected 1 to 50 of a-z, 0-9, '_' and '-', got \""
                        + spec.type + "\"");
  if (spec.name.size() > max_name_length)
    return make_error(ec::invalid_argument, "name",
                      "at most 255 characters allowed");
  if (all_digits(spec.name))
    return make_error(ec::invalid_argument, "name",
                      "must not be a number (numbers are agent ids)");
  // The cluster's view sends a spawn to the node it names.
  if (!spec.node.empty() && spec.node != st.ctx->node_name)
    return make_error(ec::invalid_argument, "node",
                      "this is node \"" + st.ctx->node_name + "\", not \""
                        + spec.node + "\"");
  if (!spec.name.empty() && st.by_name.count(spec.name) > 0)
    return make_error(ec::conflict, "name",
                      "an agent named \"" + spec.name + "\" exists");
  if (!spec.id.empty()) {
    if (!is_uuid(spec.id))
      return make_error(ec::invalid_argument, "id", "expected a UUID");
    std::transform(spec.id.begin(), spec.id.end(), spec.id.begin(),
                   [](char c) { return std::tolower(c); });
    if (st.by_uuid.count(spec.id) > 0)
      return make_error(ec::conflict, "id", "agent " + spec.id + " exists");
  }
  if (spec.metadata.empty()) {
    spec.metadata = "{}";
  } else {
    auto doc = nlohmann::json::parse(spec.metadata, nullptr, false);
    if (doc.is_discarded() || !doc.is_object())
      return make_error(ec::invalid_argument, "metadata",
                        "expected a JSON object");
    spec.metadata = doc.dump();
  }
  if (st.agents.size() >= st.ctx->limits.max_agents)
    return make_error(ec::agent_limit_reached,
                      "the node holds its maximum of "
                        + std::to_string(st.ctx->limits.max_agents)
                        + " agents (MAX_AGENTS)");
  if (st.pending_spawns >= st.ctx->limits.max_concurrent_spawns)
    return make_error(ec::too_many_spawns,
                      std::to_string(st.pending_spawns)
                        + " spawns in flight (MAX_CONCURRENT_SPAWNS); retry");
  return caf::none;
}

agent_entry* find_agent(self_ptr self, const std::string& key) {
  auto& st = self->state;
  num_id num = 0;
  // Longer than any number: a name, which is never all digits.
  if (key.size() <= 10 && all_digits(key)) {
    auto value = std::stoull(key);
    if (value <= std::numeric_limits<num_id>::max())
      num = static_cast<num_id>(value);
  } else if (auto i = st.by_uuid.find(key); i != st.by_uuid.end()) {
    num = i->second;
  } else if (auto j = st.by_name.find(key); j != st.by_name.end()) {
    num = j->second;
  }
  auto i = st.agents.find(num);
  return i != st.agents.end() ? &i->second : nullptr;
}

caf::error unknown_agent(const std::string& key) {
  return make_error(ec::not_found,
                    "no agent with id, number or name \"" + key + "\"");
}

/// The next free number of this node's slot; after the slot's last one it
/// starts again from its first, past the numbers still in use.
num_id take_number(registry_data& st) {
  const num_id first = (st.ctx->slot << slot_shift) | 1;
  const num_id last = first | ((num_id{1} << slot_shift) - 1);
  for (;;) {
    if (st.next_num < first || st.next_num > last)
      st.next_num = first;
    auto num = st.next_num++;
    if (st.agents.count(num) == 0)
      return num;
  }
}

void forget_agent(self_ptr self, num_id num) {
  auto& st = self->state;
  auto i = st.agents.find(num);
  if (i == st.agents.end())
    return;
  st.by_uuid.erase(i->second.summary.id);
  st.by_name.erase(i->second.summary.name);
  st.ctx->agents.erase(num);
  st.agents.erase(i);
}

agent_actor start_agent(self_ptr self, agent_snapshot snap, bool restarted) {
  auto handle = self->spawn<caf::linked>(agent, self->state.ctx,
                                         std::move(snap), self, restarted);
  return handle;
}

/// Restarts a crashed agent from its snapshot, or gives it up.
void on_crash(self_ptr self, agent_snapshot& snap, const std::string& what) {
  auto& st = self->state;
  auto num = snap.info.num;
  auto i = st.agents.find(num);
  if (i == st.agents.end())
    return;
  auto& entry = i->second;
  if (entry.restarts.permit(self->clock().now())) {
    ++st.restarts;
    log::warn("agent crashed, restarting",
              {{"agent", snap.info.id},
               {"num", num},
               {"error", what},
               {"restarts_in_window", entry.restarts.recent()}});
    entry.handle = start_agent(self, std::move(snap), true);
    st.ctx->agents.put(num, entry.handle);
    return;
  }
  log::error("agent crashed too often, giving up",
             {{"agent", snap.info.id}, {"num", num}, {"error", what}});
  for (auto& task : snap.tasks)
    notify_task_failed(task, num, "agent crashed and was given up");
  auto reason = "restart limit reached after: " + what;
  st.ctx->bus.publish(agent_state_changed{num, agent_state::error,
                                          agent_state::terminated, reason});
  st.ctx->bus.publish(agent_terminated{num, snap.info.id, reason});
  forget_agent(self, num);
}

/// Starts an agent, indexes it and answers with its info once it runs.
caf::result<agent_info> admit(self_ptr self, const agent_summary& summary,
                              agent_snapshot snap) {
  auto& st = self->state;
  auto num = summary.num;
  auto handle = start_agent(self, std::move(snap), false);
  st.agents.emplace(num,
                    agent_entry{summary, handle,
                                restart_policy{st.ctx->limits.max_restarts,
                                               st.ctx->limits.restart_window}});
  st.by_uuid.emplace(summary.id, num);
  st.by_name.emplace(summary.name, num);
  st.ctx->agents.put(num, handle);
  // The spawn counts as in flight until the agent has answered once.
  ++st.pending_spawns;
  auto rp = self->make_response_promise<agent_info>();
  self->request(handle, caf::infinite, atom::get::value)
    .then(
      [=](agent_info& x) mutable {
        --self->state.pending_spawns;
        rp.deliver(std::move(x));
      },
      [=](caf::error& err) mutable {
        --self->state.pending_spawns;
        rp.deliver(std::move(err));
      });
  return rp;
}

caf::error validate(self_ptr self, coordination_spec& spec) {
  auto& st = self->state;
  auto n = spec.participants.size();
  if (n < 2 || n > max_participants)
    return make_error(ec::invalid_argument, "participants",
                      "expected 2 to 100 agents, got " + std::to_string(n));
  auto sorted = spec.participants;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
    return make_error(ec::invalid_argument, "participants",
                      "an agent is listed twice");
  // Another node's agents were checked by the cluster's view, which sends
  // the coordinations that include them (docs/cluster.md).
  for (auto num : spec.participants)
    if (st.agents.count(num) == 0 && slot_of(num) == st.ctx->slot)
      return make_error(ec::not_found, "participants",
                        "no agent with number " + std::to_string(num));
  if (spec.timeout_ms < 0)
    return make_error(ec::invalid_argument, "timeout", "must not be negative");
  if (!spec.id.empty()) {
    if (!is_uuid(spec.id))
      return make_error(ec::invalid_argument, "id", "expected a UUID");
    if (st.coordinations.count(spec.id) > 0)
      return make_error(ec::conflict, "id",
                        "coordination " + spec.id + " exists");
  }
  if (spec.metadata.empty())
    spec.metadata = "{}";
  return caf::none;
}

void on_coordination_event(self_ptr self, const coordination_event& x) {
  auto& st = self->state;
  auto i = st.coordinations.find(x.id);
  if (i == st.coordinations.end())
    return;
  auto& info = i->second.info;
  auto was_over = info.status == coord_status::completed
                  || info.status == coord_status::failed;
  info.status = x.status;
  info.progress = x.progress;
  info.steps_done = x.steps_done;
  info.steps_total = x.steps_total;
  auto over
    = x.status == coord_status::completed || x.status == coord_status::failed;
  if (!over || was_over)
    return;
  (x.status == coord_status::failed ? info.reason : info.result) = x.detail;
  info.completed_ms = now_ms();
  st.finished.push_back(x.id);
  // Keep a bounded history of finished coordinations.
  while (st.finished.size() > st.ctx->limits.finished_coordinations) {
    auto j = st.coordinations.find(st.finished.front());
    if (j != st.coordinations.end()) {
      self->send_exit(j->second.handle, caf::exit_reason::normal);
      st.coordinations.erase(j);
    }
    st.finished.pop_front();
  }
}

/// Puts into `out` how many entries of `xs` have each value of a four-valued
/// enum, under `prefix` + the value's name.
template <class Map, class Key>
void count_by(caf::settings& out, const char* prefix, const Map& xs, Key key) {
  uint64_t counts[4] = {0, 0, 0, 0};
  for (auto& kvp : xs)
    ++counts[static_cast<size_t>(key(kvp.second))];
  for (size_t i = 0; i < 4; ++i) {
    using enum_type = decltype(key(xs.begin()->second));
    caf::put(out, prefix + std::string{to_string(static_cast<enum_type>(i))},
             counts[i]);
  }
}

caf::settings status_of(self_ptr self, status_verbosity v) {
  auto& st = self->state;
  auto result = status_header(self, "registry", "registry",
                              std::to_string(st.agents.size()) + " agents, "
                                + std::to_string(st.coordinations.size())
                                + " coordinations",
                              st.processed);
  caf::put(result, "agents", static_cast<uint64_t>(st.agents.size()));
  caf::put(result, "restarts", st.restarts);
  if (v >= status_verbosity::detailed) {
    count_by(result, "agents_by_state.", st.agents,
             [](auto& x) { return x.summary.state; });
    count_by(result, "coordinations_by_status.", st.coordinations,
             [](auto& x) { return x.info.status; });
    caf::put(result, "pending_spawns",
             static_cast<uint64_t>(st.pending_spawns));
  }
  return result;
}

} // namespace

registry_actor::behavior_type registry(self_ptr self, node_context_ptr ctx,
                                       bus_actor bus) {
  self->state.ctx = std::move(ctx);
  if (bus)
    self->send(
      bus, atom::subscribe::value, caf::actor_cast<event_sink_actor>(self),
      kind_bit(event_kind::agent_state) | kind_bit(event_kind::coordination));
  // Linked agents and coordinations report their end here; anything else
  // asking the registry to exit ends the node's actors with it.
  self->set_exit_handler([self](caf::exit_msg& msg) {
    auto& st = self->state;
    for (auto& kvp : st.agents) {
      if (kvp.second.handle.address() == msg.source) {
        // Crashes arrive as `crashed` messages with the agent's snapshot.
        if (code_of(msg.reason) != ec::crashed)
          forget_agent(self, kvp.first);
        return;
      }
    }
    for (auto& kvp : st.coordinations)
      if (kvp.second.handle.address() == msg.source)
        return;
    // Not one of ours (or a stale handle): a request to shut down.
    if (msg.source != self->address() && code_of(msg.reason) == ec::crashed)
      return;
    for (auto& kvp : st.agents) {
      st.ctx->agents.erase(kvp.first);
      self->send_exit(kvp.second.handle, msg.reason);
    }
    for (auto& kvp : st.coordinations)
      self->send_exit(kvp.second.handle, msg.reason);
    self->quit(msg.reason);
  });
  return {
    [=](atom::spawn, agent_spec& spec) -> caf::result<agent_info> {
      handling_span span{self, "registry spawn"};
      auto& st = self->state;
      ++st.processed;
      if (auto err = validate(self, spec))
        return err;
      auto num = take_number(st);
      agent_snapshot snap;
      auto& info = snap.info;
      info.id = spec.id.empty() ? make_uuid() : spec.id;
      info.num = num;
      info.name
        = spec.name.empty() ? spec.type + "-" + std::to_string(num) : spec.name;
      info.type = spec.type;
      info.origin = spec.origin;
      info.metadata = spec.metadata;
      info.created_ms = now_ms();
      agent_summary summary{
        info.id,           num,         info.name,        info.type,
        agent_state::idle, info.origin, st.ctx->node_name};
      return admit(self, summary, std::move(snap));
    },
    [=](atom::spawn, agent_snapshot& snap) -> caf::result<agent_info> {
      auto& st = self->state;
      ++st.processed;
      auto& info = snap.info;
      if (st.agents.count(info.num) > 0 || st.by_uuid.count(info.id) > 0
          || st.by_name.count(info.name) > 0 || info.num == 0)
        return make_error(ec::conflict, "agent " + info.id + " (number "
                                          + std::to_string(info.num)
                                          + ") is taken");
      // A number of another slot was given before this node's slot changed.
      if (slot_of(info.num) == st.ctx->slot)
        st.next_num = std::max(st.next_num, info.num + 1);
      // Tasks did not survive the restart: a BUSY agent comes back IDLE.
      if (info.state == agent_state::busy)
        info.state = agent_state::idle;
      agent_summary summary{info.id,          info.num,   info.name,
                            info.type,        info.state, info.origin,
                            st.ctx->node_name};
      return admit(self, summary, std::move(snap));
    },
    [=](atom::get, const std::string& key) -> caf::result<agent_ref> {
      handling_span span{self, "registry get"};
      ++self->state.processed;
      if (auto entry = find_agent(self, key))
        return agent_ref{entry->summary, entry->handle};
      return unknown_agent(key);
    },
    [=](atom::list, const agent_filter& filter) -> caf::result<agent_page> {
      handling_span span{self, "registry list"};
      auto& st = self->state;
      ++st.processed;
      agent_state wanted = agent_state::idle;
      if (!filter.state.empty() && !parse(filter.state, wanted))
        return make_error(ec::invalid_argument, "state",
                          "expected IDLE, BUSY, ERROR or TERMINATED");
      if (filter.limit == 0 || filter.limit > 1000)
        return make_error(ec::invalid_argument, "limit", "expected 1 to 1000");
      agent_page page;
      for (auto& kvp : st.agents) {
        auto& x = kvp.second.summary;
        if ((!filter.type.empty() && x.type != filter.type)
            || (!filter.state.empty() && x.state != wanted))
          continue;
        if (page.total >= filter.offset && page.agents.size() < filter.limit)
          page.agents.push_back(x);
        ++page.total;
      }
      return page;
    },
    [=](atom::terminate, const std::string& key,
        std::string& reason) -> caf::result<agent_info> {
      handling_span span{self, "registry terminate"};
      ++self->state.processed;
      auto entry = find_agent(self, key);
      if (!entry)
        return unknown_agent(key);
      return self->delegate(entry->handle, atom::terminate::value,
                            std::move(reason));
    },
    [=](atom::coordinate,
        coordination_spec& spec) -> caf::result<coordination_info> {
      handling_span span{self, "registry coordinate"};
      auto& st = self->state;
      ++st.processed;
      if (auto err = validate(self, spec))
        return err;
      if (spec.id.empty())
        spec.id = make_uuid();
      auto id = spec.id;
      coordination_info info;
      info.id = id;
      info.kind = spec.kind;
      info.task = spec.task;
      info.metadata = spec.metadata;
      info.started_ms = now_ms();
      info.node = st.ctx->node_name;
      // Listings and /api/snapshot show who takes part.
      info.participants = participants_of(spec);
      auto handle
        = self->spawn<caf::linked>(coordination, st.ctx, std::move(spec), self);
      st.coordinations.emplace(
        id, registry_data::coordination_entry{std::move(info), handle});
      return self->delegate(handle, atom::get::value);
    },
    [=](atom::coordinate,
        coordination_info& stored) -> caf::result<coordination_info> {
      auto& st = self->state;
      ++st.processed;
      if (!is_uuid(stored.id))
        return make_error(ec::invalid_argument, "id", "expected a UUID");
      if (st.coordinations.count(stored.id) > 0)
        return make_error(ec::conflict, "id",
                          "coordination " + stored.id + " exists");
      auto id = stored.id;
      auto info = stored;
      info.checkpoint.clear();
      auto handle = self->spawn<caf::linked>(resumed_coordination, st.ctx,
                                             std::move(stored), self);
      st.coordinations.emplace(
        id, registry_data::coordination_entry{std::move(info), handle});
      return self->delegate(handle, atom::get::value);
    },
    [=](atom::coordinate, atom::get,
        const std::string& id) -> caf::result<coordination_ref> {
      handling_span span{self, "registry coordination get"};
      auto& st = self->state;
      ++st.processed;
      auto i = st.coordinations.find(id);
      if (i == st.coordinations.end())
        return make_error(ec::not_found,
                          "no coordination with id \"" + id + "\"");
      return coordination_ref{id, i->second.handle};
    },
    [=](atom::coordinate, atom::list, const std::string& status)
      -> caf::result<std::vector<coordination_info>> {
      handling_span span{self, "registry coordination list"};
      auto& st = self->state;
      ++st.processed;
      coord_status wanted = coord_status::forming;
      if (!status.empty() && !parse(status, wanted))
        return make_error(ec::invalid_argument, "status",
                          "expected FORMING, ACTIVE, COMPLETED or "
                          "FAILED");
      std::vector<coordination_info> result;
      for (auto& kvp : st.coordinations)
        if (status.empty() || kvp.second.info.status == wanted)
          result.push_back(kvp.second.info);
      std::sort(result.begin(), result.end(),
                [](auto& x, auto& y) { return x.started_ms < y.started_ms; });
      return result;
    },
    [=](atom::crashed, agent_snapshot& snap, const std::string& what) {
      ++self->state.processed;
      on_crash(self, snap, what);
    },
    [=](const event_batch& batch) {
      auto& st = self->state;
      ++st.processed;
      for (auto& ev : *batch.events) {
        // Another node's agents are that node's registry's.
        if (!ev.node.empty())
          continue;
        if (auto x = caf::get_if<agent_state_changed>(&ev.payload)) {
          auto i = st.agents.find(x->agent);
          if (i != st.agents.end())
            i->second.summary.state = x->to;
        } else if (auto y = caf::get_if<coordination_event>(&ev.payload)) {
          on_coordination_event(self, *y);
        }
      }
    },
    [=](atom::status, status_verbosity v) {
      ++self->state.processed;
      return status_of(self, v);
    },
  };
}

} // namespace av
