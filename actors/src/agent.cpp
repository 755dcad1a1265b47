#include "av/agent.hpp"

#include <stdexcept>

#include <caf/send.hpp>

#include "av/error.hpp"
#include "av/metrics.hpp"
#include "av/simulation.hpp"
#include "av/traced.hpp"

namespace av {

namespace {

using self_ptr = agent_actor::stateful_pointer<agent_data>;

bool simulated(self_ptr self) {
  return self->state.info.origin == provenance::simulated;
}

void publish(self_ptr self, event_payload payload, int64_t time_ms = now_ms()) {
  self->state.ctx->bus.publish(std::move(payload), time_ms);
}

/// The event recording `msg`, delivered or not.
message_event message_of(const agent_message& msg, bool success,
                         int64_t latency_ns) {
  return {msg.id,   msg.from, msg.to,     msg.type,
          msg.prio, success,  latency_ns, msg.content};
}

void set_state(self_ptr self, agent_state to, std::string reason) {
  auto& info = self->state.info;
  if (info.state == to)
    return;
  auto from = info.state;
  info.state = to;
  publish(self, agent_state_changed{info.num, from, to, std::move(reason)});
}

void record_sample(self_ptr self, metrics_sample sample) {
  auto& st = self->state;
  if (sample.time_ms == 0)
    sample.time_ms = now_ms();
  st.history.push_back(sample);
  if (st.history.size() > st.ctx->limits.history)
    st.history.erase(st.history.begin());
  st.info.metrics = sample;
  publish(self, metrics_event{st.info.num, sample, compute_trends(st.history)});
}

metrics_report report(self_ptr self) {
  auto& st = self->state;
  return metrics_report{st.info.metrics, compute_trends(st.history),
                        st.history};
}

/// Derives a sample from the agent's own task record.
void derive_sample(self_ptr self) {
  auto& st = self->state;
  auto& info = st.info;
  auto done = info.tasks_completed + info.tasks_failed;
  metrics_sample x;
  x.time_ms = now_ms();
  x.tasks_completed = static_cast<double>(info.tasks_completed);
  x.success_rate = done > 0 ? static_cast<double>(info.tasks_completed)
                                / static_cast<double>(done)
                            : 0;
  x.avg_response_ms = done > 0 ? static_cast<double>(st.total_task_ms)
                                   / static_cast<double>(done)
                               : 0;
  auto lifetime = std::max<int64_t>(1, x.time_ms - info.created_ms);
  x.resource_utilization = std::min(1.0, static_cast<double>(st.total_task_ms)
                                           / static_cast<double>(lifetime));
  record_sample(self, x);
}

int64_t simulated_duration(self_ptr self, const task_spec& task) {
  if (task.simulated_ms > 0)
    return task.simulated_ms;
  auto mean = profile_of(self->state.info.type).mean_task_ms;
  std::uniform_int_distribution<int64_t> dist{mean / 2, mean * 3 / 2};
  return dist(self->state.rng);
}

void start_next(self_ptr self) {
  auto& st = self->state;
  if (st.tasks.empty()) {
    set_state(self, agent_state::idle, "no more tasks");
    return;
  }
  auto& task = st.tasks.front();
  st.info.current_task = task.id;
  st.task_started = self->clock().now();
  set_state(self, agent_state::busy, "task " + task.id);
  publish(self, task_event{st.info.num, task.id, task_phase::started,
                           task.description, 0});
  if (simulated(self)) {
    auto ms = simulated_duration(self, task);
    self->delayed_send(self, std::chrono::milliseconds{ms}, atom::done::value,
                       task.id);
  }
}

/// Simulated output: votes answer yes or no, other kinds describe the work.
std::string simulated_output(self_ptr self, const task_spec& task) {
  auto& profile = profile_of(self->state.info.type);
  if (task.kind == "vote") {
    std::bernoulli_distribution yes{profile.yes_rate};
    return yes(self->state.rng) ? "yes" : "no";
  }
  return self->state.info.name + " did " + task.kind + ": " + task.description;
}

task_result finish_task(self_ptr self, bool success, std::string output) {
  auto& st = self->state;
  auto task = std::move(st.tasks.front());
  st.tasks.pop_front();
  st.info.current_task.clear();
  auto elapsed = self->clock().now() - st.task_started;
  auto ms
    = std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count();
  st.total_task_ms += ms;
  if (success)
    ++st.info.tasks_completed;
  else
    ++st.info.tasks_failed;
  st.info.last_seen_ms = now_ms();
  task_result result{task.id, st.info.num, success, ms, std::move(output)};
  publish(self, task_event{st.info.num, task.id,
                           success ? task_phase::completed : task_phase::failed,
                           task.description, ms});
  if (task.owner)
    caf::anon_send(task.owner, atom::task_done::value, result);
  if (!st.reports_metrics)
    derive_sample(self);
  start_next(self);
  return result;
}

/// Fails every held task, e.g. when the agent enters ERROR or ends.
void drop_tasks(self_ptr self, const std::string& reason) {
  auto& st = self->state;
  for (auto& task : st.tasks) {
    ++st.info.tasks_failed;
    publish(self, task_event{st.info.num, task.id, task_phase::failed,
                             task.description, 0});
    notify_task_failed(task, st.info.num, reason);
  }
  st.tasks.clear();
  st.info.current_task.clear();
}

agent_snapshot snapshot(self_ptr self) {
  auto& st = self->state;
  return agent_snapshot{
    st.info, st.history, {st.tasks.begin(), st.tasks.end()}, st.total_task_ms};
}

/// The cluster's registry when `to` numbers an agent of another node and
/// this node runs a cluster; null otherwise.
registry_actor cluster_for(self_ptr self, num_id to) {
  auto& st = self->state;
  if (slot_of(to) == st.ctx->slot)
    return {};
  if (!st.cluster)
    st.cluster = caf::actor_cast<registry_actor>(
      self->home_system().registry().get(cluster_registry_name));
  return st.cluster;
}

/// This node's agent `to` (none for one of another node it messaged
/// before: no need to ask the directory).
agent_actor local_route(self_ptr self, num_id to) {
  auto& st = self->state;
  if (st.remote_routes.count(to) > 0)
    return {};
  return st.routes.find(st.ctx->agents, to);
}

/// Bound of the other nodes' agents an agent remembers (each is watched).
constexpr size_t max_remote_routes = 256;

/// Finds the recipient of `msg` on another node, remembered from an earlier
/// message or else through the cluster's registry, then runs `then` with
/// its handle or `fail` with the error.
template <class Then, class Fail>
void find_remote(self_ptr self, const registry_actor& cluster,
                 const agent_message& msg, Then then, Fail fail) {
  constexpr auto timeout = std::chrono::seconds{10};
  auto& known = self->state.remote_routes;
  if (auto i = known.find(msg.to); i != known.end())
    return then(i->second);
  self->request(cluster, timeout, atom::get::value, std::to_string(msg.to))
    .then(
      [self, then, to = msg.to](agent_ref& ref) mutable {
        auto& known = self->state.remote_routes;
        if (ref.handle && known.count(to) == 0) {
          if (known.size() >= max_remote_routes) {
            for (auto& kvp : known)
              self->demonitor(kvp.second.address());
            known.clear();
          }
          self->monitor(ref.handle);
          known.emplace(to, ref.handle);
        }
        then(ref.handle);
      },
      [fail, to = msg.to](caf::error& err) mutable {
        // As for a number of this node's.
        if (code_of(err) == ec::not_found)
          err = make_error(ec::unreachable,
                           "no agent with number " + std::to_string(to));
        fail(err);
      });
}

/// Sends `msg` to its recipient without waiting for a receipt; failures are
/// recorded as failed message events.
bool post(self_ptr self, agent_message msg) {
  auto& st = self->state;
  auto dest = local_route(self, msg.to);
  auto cluster = dest ? registry_actor{} : cluster_for(self, msg.to);
  if (cluster) {
    ++st.info.messages_sent;
    find_remote(
      self, cluster, msg,
      [msg](const agent_actor& to) mutable {
        caf::anon_send(to, atom::deliver::value, std::move(msg));
      },
      [self, msg](caf::error&) { publish(self, message_of(msg, false, 0)); });
    return true;
  }
  if (!dest) {
    publish(self, message_of(msg, false, 0));
    return false;
  }
  ++st.info.messages_sent;
  // Anonymous, so the recipient's receipt is not sent back as a message.
  caf::anon_send(dest, atom::deliver::value, std::move(msg));
  return true;
}

/// `sent_ns` is the send time; an answer passes the clock reading of the
/// message it answers, which saves a clock reading per message.
agent_message make_message(self_ptr self, outgoing_message&& out,
                           int64_t sent_ns = now_ns()) {
  auto& st = self->state;
  agent_message msg;
  // Unique per node without a shared counter on the hot path.
  msg.id = (uint64_t{st.info.num} << 32) | ++st.message_seq;
  msg.from = st.info.num;
  msg.to = out.to;
  msg.type = std::move(out.type);
  msg.prio = out.prio;
  msg.content = std::move(out.content);
  msg.sent_ns = sent_ns;
  msg.reply_budget = out.reply_budget;
  return msg;
}

/// Takes in a delivered message: counts it, measures its latency, publishes
/// it and, for a simulated agent with budget left, answers.
message_receipt accept(self_ptr self, agent_message& msg) {
  auto& st = self->state;
  ++st.info.messages_received;
  auto now = now_ns();
  auto latency = std::max<int64_t>(0, now - msg.sent_ns);
  st.info.last_seen_ms = now / 1000000;
  publish(self, message_of(msg, true, latency), st.info.last_seen_ms);
  if (msg.reply_budget > 0 && simulated(self)) {
    outgoing_message answer{
      msg.from, "response", msg.prio, {}, msg.reply_budget - 1};
    post(self, make_message(self, std::move(answer), now));
  }
  return message_receipt{msg.id, msg.from, msg.to, latency};
}

/// Records a message that reached an agent after it ended.
caf::error refuse(self_ptr self, const agent_message& msg) {
  publish(self, message_of(msg, false, 0));
  return make_error(ec::terminated,
                    "agent " + self->state.info.id + " is TERMINATED");
}

caf::error not_alive(self_ptr self) {
  return make_error(ec::terminated,
                    "agent " + self->state.info.id + " is TERMINATED");
}

caf::settings status_of(self_ptr self, status_verbosity v) {
  auto& st = self->state;
  auto result = status_header(self, "agent", st.info.id,
                              st.info.name + " (" + st.info.type + ") "
                                + to_string(st.info.state),
                              st.processed);
  caf::put(result, "num", static_cast<uint64_t>(st.info.num));
  if (v >= status_verbosity::detailed) {
    caf::put(result, "tasks.queued", static_cast<uint64_t>(st.tasks.size()));
    caf::put(result, "tasks.completed", st.info.tasks_completed);
    caf::put(result, "tasks.failed", st.info.tasks_failed);
    caf::put(result, "messages.sent", st.info.messages_sent);
    caf::put(result, "messages.received", st.info.messages_received);
    caf::put(result, "restarts", static_cast<uint64_t>(st.info.restarts));
    caf::put(result, "provenance", to_string(st.info.origin));
  }
  if (v >= status_verbosity::debug)
    caf::put(result, "history", static_cast<uint64_t>(st.history.size()));
  return result;
}

} // namespace

void notify_task_failed(const task_spec& task, num_id agent,
                        const std::string& reason) {
  if (task.owner)
    caf::anon_send(task.owner, atom::task_done::value,
                   task_result{task.id, agent, false, 0, reason});
}

agent_actor::behavior_type agent(self_ptr self, node_context_ptr ctx,
                                 agent_snapshot snap, registry_actor supervisor,
                                 bool restarted) {
  auto& st = self->state;
  st.ctx = std::move(ctx);
  st.supervisor = std::move(supervisor);
  st.info = std::move(snap.info);
  st.info.node = st.ctx->node_name;
  st.history = std::move(snap.history);
  st.tasks.assign(snap.tasks.begin(), snap.tasks.end());
  st.total_task_ms = snap.total_task_ms;
  st.rng.seed(static_cast<uint32_t>(st.ctx->seed * 2654435761u + st.info.num));
  st.task_seq
    = st.info.tasks_completed + st.info.tasks_failed + st.tasks.size();
  // A remembered agent of another node ended, or its node was lost.
  self->set_down_handler([self](caf::down_msg& msg) {
    auto& known = self->state.remote_routes;
    for (auto i = known.begin(); i != known.end();)
      i = i->second.address() == msg.source ? known.erase(i) : std::next(i);
  });
  self->set_exception_handler([self](std::exception_ptr& eptr) -> caf::error {
    std::string what = "unknown exception";
    try {
      std::rethrow_exception(eptr);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
      // keep the generic text
    }
    set_state(self, agent_state::error, "crashed: " + what);
    if (self->state.supervisor)
      caf::anon_send(self->state.supervisor, atom::crashed::value,
                     snapshot(self), what);
    return make_error(ec::crashed, what);
  });
  if (restarted) {
    ++st.info.restarts;
    if (!st.tasks.empty()) {
      auto task = std::move(st.tasks.front());
      st.tasks.pop_front();
      ++st.info.tasks_failed;
      publish(self, task_event{st.info.num, task.id, task_phase::failed,
                               task.description, 0});
      notify_task_failed(task, st.info.num, "agent crashed during the task");
    }
    st.info.current_task.clear();
    st.info.state = agent_state::error;
    set_state(self, agent_state::idle, "restarted");
    if (!st.tasks.empty())
      start_next(self);
  } else {
    st.info.created_ms = st.info.created_ms ? st.info.created_ms : now_ms();
    st.info.last_seen_ms = st.info.created_ms;
    publish(self,
            agent_spawned{agent_summary{st.info.id, st.info.num, st.info.name,
                                        st.info.type, st.info.state,
                                        st.info.origin, st.info.node},
                          st.info.metadata, st.info.created_ms});
    if (!st.tasks.empty())
      start_next(self);
  }
  return {
    // Deliveries first: the most frequent message is matched first.
    [=](atom::deliver, agent_message& msg) {
      auto& st = self->state;
      ++st.processed;
      if (st.info.state == agent_state::terminated)
        refuse(self, msg);
      else
        accept(self, msg);
    },
    [=](atom::deliver, atom::receipt,
        agent_message& msg) -> caf::result<message_receipt> {
      handling_span span{self, "agent deliver", self->state.info.id};
      auto& st = self->state;
      ++st.processed;
      if (st.info.state == agent_state::terminated)
        return refuse(self, msg);
      return accept(self, msg);
    },
    [=](atom::get) -> agent_info {
      ++self->state.processed;
      auto info = self->state.info;
      info.queued_tasks = static_cast<uint32_t>(self->state.tasks.size());
      return info;
    },
    [=](atom::state, agent_state to,
        std::string& reason) -> caf::result<agent_info> {
      handling_span span{self, "agent state", self->state.info.id};
      auto& st = self->state;
      ++st.processed;
      auto from = st.info.state;
      if (from == agent_state::terminated)
        return not_alive(self);
      // Task-driven and final changes have their own handlers.
      bool by_hand = to == agent_state::error
                     || (from == agent_state::error && to == agent_state::idle);
      if (!transition_allowed(from, to) || !by_hand)
        return make_error(ec::invalid_transition,
                          std::string{"cannot change state from "}
                            + to_string(from) + " to " + to_string(to)
                            + (transition_allowed(from, to)
                                 ? " by hand (use tasks or terminate)"
                                 : ""));
      if (to == agent_state::error)
        drop_tasks(self, "agent entered ERROR: " + reason);
      st.info.last_seen_ms = now_ms();
      set_state(self, to, std::move(reason));
      auto info = st.info;
      info.queued_tasks = 0;
      return info;
    },
    [=](atom::assign, task_spec& task) -> caf::result<agent_info> {
      handling_span span{self, "agent assign", self->state.info.id};
      auto& st = self->state;
      ++st.processed;
      if (st.info.state == agent_state::terminated)
        return not_alive(self);
      if (st.info.state == agent_state::error)
        return make_error(ec::invalid_transition,
                          "agent is in ERROR; set it back to IDLE first");
      if (st.tasks.size() >= st.ctx->limits.task_queue)
        return make_error(ec::queue_full,
                          "agent holds "
                            + std::to_string(st.ctx->limits.task_queue)
                            + " tasks already");
      if (task.id.empty())
        task.id
          = std::to_string(st.info.num) + "-" + std::to_string(++st.task_seq);
      st.info.last_seen_ms = now_ms();
      auto was_idle = st.tasks.empty();
      publish(self, task_event{st.info.num, task.id, task_phase::queued,
                               task.description, 0});
      st.tasks.push_back(std::move(task));
      if (was_idle)
        start_next(self);
      auto info = st.info;
      info.queued_tasks = static_cast<uint32_t>(st.tasks.size());
      return info;
    },
    [=](atom::complete, const std::string& task_id, bool success,
        std::string& output) -> caf::result<task_result> {
      handling_span span{self, "agent complete", self->state.info.id};
      auto& st = self->state;
      ++st.processed;
      if (st.info.state == agent_state::terminated)
        return not_alive(self);
      if (st.tasks.empty() || st.tasks.front().id != task_id)
        return make_error(ec::not_found, "task " + task_id
                                           + " is not running on agent "
                                           + st.info.id);
      return finish_task(self, success, std::move(output));
    },
    [=](atom::done, const std::string& task_id) {
      auto& st = self->state;
      ++st.processed;
      // A timer of a task that already ended some other way is stale.
      if (st.tasks.empty() || st.tasks.front().id != task_id)
        return;
      std::bernoulli_distribution fails{profile_of(st.info.type).failure_rate};
      if (fails(st.rng))
        finish_task(self, false, "simulated failure");
      else
        finish_task(self, true, simulated_output(self, st.tasks.front()));
    },
    [=](atom::metrics, metrics_sample& sample) -> caf::result<metrics_report> {
      handling_span span{self, "agent metrics", self->state.info.id};
      auto& st = self->state;
      ++st.processed;
      if (st.info.state == agent_state::terminated)
        return not_alive(self);
      if (auto field = invalid_field(sample))
        return make_error(ec::invalid_argument,
                          std::string{field} + " is out of range");
      st.reports_metrics = true;
      st.info.last_seen_ms = now_ms();
      record_sample(self, sample);
      return report(self);
    },
    [=](atom::metrics) -> metrics_report {
      ++self->state.processed;
      return report(self);
    },
    [=](atom::send, outgoing_message& out) -> caf::result<message_receipt> {
      handling_span span{self, "agent send", self->state.info.id};
      auto& st = self->state;
      ++st.processed;
      if (st.info.state == agent_state::terminated)
        return not_alive(self);
      auto msg = make_message(self, std::move(out));
      auto dest = local_route(self, msg.to);
      auto cluster = dest ? registry_actor{} : cluster_for(self, msg.to);
      if (cluster) {
        // Another node's agent: its handle comes from the cluster, then the
        // recipient answers the original requester as a local one does.
        ++st.info.messages_sent;
        st.info.last_seen_ms = now_ms();
        auto rp = self->make_response_promise<message_receipt>();
        find_remote(
          self, cluster, msg,
          [rp, msg](const agent_actor& to) mutable {
            rp.delegate(to, atom::deliver::value, atom::receipt::value,
                        std::move(msg));
          },
          [self, rp, msg](caf::error& err) mutable {
            publish(self, message_of(msg, false, 0));
            rp.deliver(std::move(err));
          });
        return rp;
      }
      if (!dest) {
        publish(self, message_of(msg, false, 0));
        return make_error(ec::unreachable,
                          "no agent with number " + std::to_string(msg.to));
      }
      ++st.info.messages_sent;
      st.info.last_seen_ms = now_ms();
      // The recipient answers the original requester directly.
      return self->delegate(dest, atom::deliver::value, atom::receipt::value,
                            std::move(msg));
    },
    [=](atom::terminate, std::string& reason) -> caf::result<agent_info> {
      handling_span span{self, "agent terminate", self->state.info.id};
      auto& st = self->state;
      ++st.processed;
      if (st.info.state == agent_state::terminated)
        return not_alive(self);
      drop_tasks(self, "agent terminated: " + reason);
      set_state(self, agent_state::terminated, reason);
      publish(self, agent_terminated{st.info.num, st.info.id, reason});
      auto info = st.info;
      self->quit();
      return info;
    },
    [=](atom::fault, const std::string& what) {
      ++self->state.processed;
      throw std::runtime_error(what);
    },
    [=](atom::status, status_verbosity v) {
      ++self->state.processed;
      return status_of(self, v);
    },
  };
}

} // namespace av
