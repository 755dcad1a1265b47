#include "av/coordination.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "av/error.hpp"

namespace av {

namespace {

using self_ptr = coordination_actor::stateful_pointer<coordination_data>;
using json = nlohmann::json;

constexpr int64_t default_timeout_ms = 30000;
/// Hierarchical parts are re-assigned this often before the run fails.
constexpr uint32_t max_part_retries = 1;

bool over(self_ptr self) {
  auto s = self->state.info.status;
  return s == coord_status::completed || s == coord_status::failed;
}

std::string checkpoint_of(self_ptr self);

void publish(self_ptr self, std::string detail = {},
             bool with_participants = false) {
  auto& info = self->state.info;
  info.checkpoint = over(self) ? std::string{} : checkpoint_of(self);
  info.progress = info.steps_total > 0
                    ? static_cast<double>(info.steps_done)
                        / static_cast<double>(info.steps_total)
                    : 0.0;
  coordination_event ev{info.id,
                        info.kind,
                        info.status,
                        info.progress,
                        info.steps_done,
                        info.steps_total,
                        std::move(detail),
                        {},
                        info};
  if (with_participants)
    for (auto& p : info.participants)
      ev.participants.push_back(p.agent);
  self->state.ctx->bus.publish(std::move(ev));
}

void finish(self_ptr self, coord_status status, std::string text) {
  auto& st = self->state;
  if (over(self))
    return;
  st.info.status = status;
  st.info.completed_ms = now_ms();
  (status == coord_status::failed ? st.info.reason : st.info.result) = text;
  st.open_tasks.clear();
  ++st.deadline_generation; // disarms the deadline
  publish(self, std::move(text));
}

void step(self_ptr self) {
  ++self->state.info.steps_done;
  publish(self);
}

participant* find_participant(self_ptr self, num_id num) {
  for (auto& p : self->state.info.participants)
    if (p.agent == num)
      return &p;
  return nullptr;
}

std::vector<num_id> active(self_ptr self, const char* role) {
  std::vector<num_id> result;
  for (auto& p : self->state.info.participants)
    if (p.active && p.role == role)
      result.push_back(p.agent);
  return result;
}

/// Gives `num` a task standing for `slot`; a refusal fails the step at once.
void assign(self_ptr self, num_id num, std::string kind, std::string text,
            std::string input, size_t slot) {
  auto& st = self->state;
  task_spec task;
  task.id = st.info.id.substr(0, 8) + "-" + std::to_string(++st.task_seq);
  task.kind = std::move(kind);
  task.description = std::move(text);
  task.input = std::move(input);
  task.owner = caf::actor_cast<caf::actor>(self);
  st.open_tasks.emplace(task.id, slot);
  auto i = st.handles.find(num);
  auto handle = i != st.handles.end() ? i->second : agent_actor{};
  auto task_id = task.id;
  if (!handle) {
    self->send(self, atom::task_done::value,
               task_result{task_id, num, false, 0, "agent is gone"});
    return;
  }
  self->request(handle, caf::infinite, atom::assign::value, std::move(task))
    .then([](const agent_info&) {},
          [=](caf::error& err) {
            // Refused (ERROR, full queue, gone): report like a failed task.
            self->send(self, atom::task_done::value,
                       task_result{task_id, num, false, 0, describe(err)});
          });
}

// -- hierarchical -------------------------------------------------------------

constexpr size_t split_slot = ~size_t{0};
constexpr size_t gather_slot = ~size_t{0} - 1;

void assign_part(self_ptr self, size_t part, num_id exclude = 0) {
  auto& st = self->state;
  auto workers = active(self, "worker");
  if (workers.size() > 1 && exclude != 0)
    workers.erase(std::remove(workers.begin(), workers.end(), exclude),
                  workers.end());
  if (workers.empty()) {
    finish(self, coord_status::failed,
           "no worker left for part " + std::to_string(part + 1));
    return;
  }
  auto num = workers[st.next_worker++ % workers.size()];
  auto total = st.outputs.size();
  assign(self, num, "work",
         "part " + std::to_string(part + 1) + "/" + std::to_string(total)
           + " of " + st.info.task,
         {}, part);
}

void assign_gather(self_ptr self) {
  auto& st = self->state;
  std::string gathered;
  for (auto& x : st.outputs) {
    if (!gathered.empty())
      gathered += "\n";
    gathered += x;
  }
  assign(self, st.info.participants.front().agent, "gather",
         "gather: " + st.info.task, std::move(gathered), gather_slot);
}

void hierarchical_done(self_ptr self, size_t slot, task_result& res) {
  auto& st = self->state;
  if (slot == split_slot) {
    if (!res.success) {
      finish(self, coord_status::failed,
             "leader could not split the task: " + res.output);
      return;
    }
    step(self);
    for (size_t part = 0; part < st.outputs.size(); ++part)
      assign_part(self, part);
    return;
  }
  if (slot == gather_slot) {
    if (!res.success) {
      finish(self, coord_status::failed,
             "leader could not gather the results: " + res.output);
      return;
    }
    step(self);
    finish(self, coord_status::completed, res.output);
    return;
  }
  if (!res.success) {
    if (st.retries[slot]++ >= max_part_retries) {
      finish(self, coord_status::failed,
             "part " + std::to_string(slot + 1)
               + " failed twice: " + res.output);
      return;
    }
    st.info.reason = "part " + std::to_string(slot + 1)
                     + " re-assigned after: " + res.output;
    publish(self, st.info.reason);
    assign_part(self, slot, res.agent);
    return;
  }
  st.outputs[slot] = std::move(res.output);
  st.done[slot] = true;
  step(self);
  if (st.info.steps_done + 1 == st.info.steps_total)
    assign_gather(self);
}

// -- pipeline -----------------------------------------------------------------

void assign_stage(self_ptr self, size_t stage, std::string input) {
  auto& st = self->state;
  auto& p = st.info.participants[stage];
  if (!p.active) {
    finish(self, coord_status::failed,
           "stage " + std::to_string(stage + 1) + " left the pipeline");
    return;
  }
  st.stage_input = input;
  assign(self, p.agent, "stage",
         "stage " + std::to_string(stage + 1) + " of " + st.info.task,
         std::move(input), stage);
}

void pipeline_done(self_ptr self, size_t stage, task_result& res) {
  auto& st = self->state;
  if (!res.success) {
    finish(self, coord_status::failed,
           "stage " + std::to_string(stage + 1) + " failed: " + res.output);
    return;
  }
  // The next stage's input, in the checkpoint the step publishes.
  st.stage_input = res.output;
  step(self);
  if (stage + 1 == st.info.participants.size())
    finish(self, coord_status::completed, res.output);
  else
    assign_stage(self, stage + 1, std::move(res.output));
}

// -- consensus ----------------------------------------------------------------

/// Decides once a majority of all voters agrees, or every vote is in. A
/// voter that leaves before voting counts as abstaining (its vote task fails).
void tally(self_ptr self) {
  auto& st = self->state;
  auto electorate = static_cast<uint32_t>(st.info.participants.size());
  auto counts = "(" + std::to_string(st.yes) + " yes, " + std::to_string(st.no)
                + " no, " + std::to_string(st.abstain) + " abstained)";
  if (st.yes * 2 > electorate)
    finish(self, coord_status::completed, "accepted " + counts);
  else if (st.no * 2 > electorate)
    finish(self, coord_status::completed, "rejected " + counts);
  else if (st.yes + st.no + st.abstain >= electorate)
    finish(self, coord_status::failed, "no majority " + counts);
  else if (active(self, "voter").empty())
    finish(self, coord_status::failed, "every voter left " + counts);
}

void consensus_done(self_ptr self, size_t voter, task_result& res) {
  auto& st = self->state;
  if (voter < st.done.size())
    st.done[voter] = true;
  if (!res.success)
    ++st.abstain;
  else if (res.output == "no")
    ++st.no;
  else
    ++st.yes;
  step(self);
  tally(self);
}

// -- mesh ---------------------------------------------------------------------

void exchange(self_ptr self, num_id from, num_id to) {
  auto& st = self->state;
  auto i = st.handles.find(from);
  if (i == st.handles.end())
    return; // planned out once its end is handled
  outgoing_message out{to, "mesh", priority::normal, st.info.task, 0};
  self->request(i->second, caf::infinite, atom::send::value, std::move(out))
    .then(
      [=](const message_receipt&) {
        auto& st = self->state;
        if (over(self) || st.exchanges.erase({from, to}) == 0)
          return;
        step(self);
        if (st.exchanges.empty())
          finish(self, coord_status::completed,
                 std::to_string(st.info.steps_done) + " messages exchanged");
      },
      [=](caf::error& err) {
        auto& st = self->state;
        if (over(self) || st.exchanges.count({from, to}) == 0)
          return;
        // A peer that left is planned out when its end is noticed; any
        // other failure ends the run.
        auto code = code_of(err);
        bool peer_gone = code == ec::terminated || code == ec::unreachable
                         || err == caf::sec::request_receiver_down;
        if (!peer_gone)
          finish(self, coord_status::failed,
                 "exchange failed: " + describe(err));
      });
}

/// Drops exchanges with a participant that left; fails below two peers.
void mesh_replan(self_ptr self, num_id gone) {
  auto& st = self->state;
  uint32_t dropped = 0;
  for (auto i = st.exchanges.begin(); i != st.exchanges.end();) {
    if (i->first.first == gone || i->first.second == gone) {
      i = st.exchanges.erase(i);
      ++dropped;
    } else {
      ++i;
    }
  }
  st.info.steps_total -= dropped;
  if (active(self, "peer").size() < 2) {
    finish(self, coord_status::failed, "fewer than two peers left");
    return;
  }
  st.info.reason = "agent " + std::to_string(gone) + " left; "
                   + std::to_string(dropped) + " exchanges dropped";
  publish(self, st.info.reason);
  if (st.exchanges.empty())
    finish(self, coord_status::completed,
           std::to_string(st.info.steps_done) + " messages exchanged");
}

// -- common -------------------------------------------------------------------

void reopen(self_ptr self, const std::vector<size_t>& open);

void start(self_ptr self) {
  auto& st = self->state;
  auto& parts = st.info.participants;
  auto n = parts.size();
  switch (st.info.kind) {
    case pattern::hierarchical:
      st.info.steps_total
        = static_cast<uint32_t>(n + 1); // split, parts, gather
      st.outputs.assign(n - 1, {});
      st.retries.assign(n - 1, 0);
      st.done.assign(n - 1, false);
      break;
    case pattern::mesh:
      st.info.steps_total = static_cast<uint32_t>(n * (n - 1));
      for (auto& x : parts)
        for (auto& y : parts)
          if (x.agent != y.agent)
            st.exchanges.emplace(std::make_pair(x.agent, y.agent), true);
      break;
    case pattern::pipeline:
      st.info.steps_total = static_cast<uint32_t>(n);
      st.stage_input = st.info.task;
      break;
    case pattern::consensus:
      st.info.steps_total = static_cast<uint32_t>(n);
      st.done.assign(n, false);
      break;
  }
  st.info.status = coord_status::active;
  publish(self, "started", true);
  // The first tasks: the split, the first stage, every vote (mesh runs on
  // its exchanges).
  std::vector<size_t> first;
  switch (st.info.kind) {
    case pattern::hierarchical: first = {split_slot}; break;
    case pattern::mesh: break;
    case pattern::pipeline: first = {0}; break;
    case pattern::consensus:
      for (size_t i = 0; i < n; ++i)
        first.push_back(i);
      break;
  }
  reopen(self, first);
}

/// Reacts to a participant that left for good.
void participant_left(self_ptr self, num_id num) {
  auto& st = self->state;
  auto p = find_participant(self, num);
  if (!p || !p->active)
    return;
  p->active = false;
  st.handles.erase(num);
  if (over(self))
    return;
  switch (st.info.kind) {
    case pattern::hierarchical:
      if (p->role == "leader")
        finish(self, coord_status::failed, "leader left");
      else if (active(self, "worker").empty())
        finish(self, coord_status::failed, "no worker left");
      // An open part of the leaver fails with its task and is re-assigned.
      break;
    case pattern::mesh: mesh_replan(self, num); break;
    case pattern::pipeline:
      // Stages not yet run can no longer run in order.
      finish(self, coord_status::failed,
             "stage agent " + std::to_string(num) + " left the pipeline");
      break;
    case pattern::consensus:
      // Its vote task failed with it and counts as an abstention.
      tally(self);
      break;
  }
}

caf::settings status_of(self_ptr self, status_verbosity) {
  auto& st = self->state;
  return status_header(self, "coordination", st.info.id,
                       std::string{to_string(st.info.kind)} + " "
                         + to_string(st.info.status) + " "
                         + std::to_string(st.info.steps_done) + "/"
                         + std::to_string(st.info.steps_total),
                       st.processed);
}

// -- restart ------------------------------------------------------------------

/// The slots whose tasks are to run (or running): the split, the parts not
/// done or the gather; the stage after those done; the voters not counted.
/// Derived from progress, as a step is published before the next task is
/// given.
std::vector<size_t> pending_slots(self_ptr self) {
  auto& st = self->state;
  std::vector<size_t> result;
  auto not_done = [&] {
    for (size_t i = 0; i < st.done.size(); ++i)
      if (!st.done[i])
        result.push_back(i);
  };
  switch (st.info.kind) {
    case pattern::hierarchical:
      if (st.info.steps_done == 0)
        return {split_slot};
      not_done();
      if (result.empty())
        result.push_back(gather_slot);
      break;
    case pattern::pipeline: result.push_back(st.info.steps_done); break;
    case pattern::consensus: not_done(); break;
    case pattern::mesh: break;
  }
  return result;
}

/// What a resumed run needs: counts, the tasks to give (by slot) and what
/// the pattern gathered so far.
std::string checkpoint_of(self_ptr self) {
  auto& st = self->state;
  json x{{"stepsDone", st.info.steps_done},
         {"stepsTotal", st.info.steps_total},
         {"timeoutMs", st.spec.timeout_ms},
         {"open", pending_slots(self)}};
  switch (st.info.kind) {
    case pattern::hierarchical:
      x["outputs"] = st.outputs;
      x["retries"] = st.retries;
      break;
    case pattern::pipeline: x["input"] = st.stage_input; break;
    case pattern::consensus: x["votes"] = {st.yes, st.no, st.abstain}; break;
    case pattern::mesh: {
      json left = json::array();
      for (auto& kvp : st.exchanges)
        left.push_back({kvp.first.first, kvp.first.second});
      x["exchanges"] = std::move(left);
      break;
    }
  }
  return x.dump();
}

/// Takes the state of a checkpoint; false when there is none to take.
bool restore_checkpoint(self_ptr self, std::vector<size_t>& open) {
  auto& st = self->state;
  auto x = json::parse(st.info.checkpoint, nullptr, false);
  if (!x.is_object() || !x.contains("open"))
    return false;
  try {
    st.info.steps_done = x.at("stepsDone").get<uint32_t>();
    st.info.steps_total = x.at("stepsTotal").get<uint32_t>();
    st.spec.timeout_ms = x.at("timeoutMs").get<int64_t>();
    open = x.at("open").get<std::vector<size_t>>();
    // Slots are done unless open.
    auto done_unless_open = [&](size_t n, bool done) {
      st.done.assign(n, done);
      for (auto slot : open)
        if (slot < n)
          st.done[slot] = false;
    };
    switch (st.info.kind) {
      case pattern::hierarchical: {
        st.outputs = x.at("outputs").get<std::vector<std::string>>();
        st.retries = x.at("retries").get<std::vector<uint32_t>>();
        // With the split open, no part is done.
        done_unless_open(st.outputs.size(),
                         std::count(open.begin(), open.end(), split_slot) == 0);
        break;
      }
      case pattern::pipeline:
        st.stage_input = x.at("input").get<std::string>();
        break;
      case pattern::consensus: {
        auto votes = x.at("votes").get<std::vector<uint32_t>>();
        if (votes.size() != 3)
          return false;
        st.yes = votes[0];
        st.no = votes[1];
        st.abstain = votes[2];
        done_unless_open(st.info.participants.size(), true);
        break;
      }
      case pattern::mesh:
        for (auto& e : x.at("exchanges"))
          st.exchanges.emplace(
            std::make_pair(e.at(0).get<num_id>(), e.at(1).get<num_id>()), true);
        break;
    }
  } catch (const json::exception&) {
    return false;
  }
  return true;
}

/// Gives the tasks of the `open` slots (again, after a restart); mesh runs
/// every exchange left.
void reopen(self_ptr self, const std::vector<size_t>& open) {
  auto& st = self->state;
  auto& parts = st.info.participants;
  switch (st.info.kind) {
    case pattern::hierarchical:
      for (auto slot : open) {
        if (slot == split_slot)
          assign(self, parts.front().agent, "split", "split: " + st.info.task,
                 {}, split_slot);
        else if (slot == gather_slot)
          assign_gather(self);
        else if (slot < st.outputs.size())
          assign_part(self, slot);
      }
      break;
    case pattern::pipeline:
      for (auto slot : open)
        if (slot < parts.size())
          assign_stage(self, slot, st.stage_input);
      break;
    case pattern::consensus:
      for (auto slot : open)
        if (slot < parts.size())
          assign(self, parts[slot].agent, "vote", "vote: " + st.info.task, {},
                 slot);
      break;
    case pattern::mesh:
      for (auto& kvp : std::map<std::pair<num_id, num_id>, bool>{st.exchanges})
        exchange(self, kvp.first.first, kvp.first.second);
      break;
  }
}

} // namespace

std::vector<participant> participants_of(const coordination_spec& spec) {
  std::vector<participant> result;
  for (size_t i = 0; i < spec.participants.size(); ++i) {
    const char* role = "peer";
    switch (spec.kind) {
      case pattern::hierarchical: role = i == 0 ? "leader" : "worker"; break;
      case pattern::mesh: role = "peer"; break;
      case pattern::pipeline: role = "stage"; break;
      case pattern::consensus: role = "voter"; break;
    }
    result.push_back(participant{spec.participants[i], role, true});
  }
  return result;
}

namespace {

/// The registry that finds `num`: this node's, or for a number of another
/// node's slot the cluster's (docs/cluster.md).
registry_actor registry_for(self_ptr self, num_id num) {
  auto& st = self->state;
  if (slot_of(num) != st.ctx->slot)
    if (auto cluster = caf::actor_cast<registry_actor>(
          self->home_system().registry().get(cluster_registry_name)))
      return cluster;
  return st.registry;
}

void watch(self_ptr self, num_id num, const agent_actor& handle) {
  self->state.handles[num] = handle;
  self->monitor(handle);
}

/// Resolves the handles of the active participants and watches them, then
/// runs `ready`: at once when all are this node's, else once the cluster's
/// registry answered for the others'. It asks the registry again for one
/// that crashed (it may have been restarted).
template <class Ready>
void watch_participants(self_ptr self, Ready ready) {
  constexpr auto timeout = std::chrono::seconds{10};
  auto& st = self->state;
  auto pending = std::make_shared<size_t>(1);
  auto resolved = [self, pending, ready]() mutable {
    if (--*pending == 0 && !over(self))
      ready();
  };
  for (auto& p : st.info.participants) {
    auto num = p.agent;
    if (!p.active)
      continue;
    if (auto handle = st.ctx->agents.find(num)) {
      watch(self, num, handle);
      continue;
    }
    // Not found: ended (drop_missing), or on another node.
    auto registry = registry_for(self, num);
    if (registry == st.registry)
      continue;
    ++*pending;
    self->request(registry, timeout, atom::get::value, std::to_string(num))
      .then(
        [self, num, resolved](agent_ref& ref) mutable {
          if (ref.handle)
            watch(self, num, ref.handle);
          resolved();
        },
        [resolved](caf::error&) mutable { resolved(); });
  }
  self->set_down_handler([self](caf::down_msg& msg) {
    auto& st = self->state;
    for (auto& kvp : st.handles) {
      if (kvp.second.address() != msg.source)
        continue;
      auto num = kvp.first;
      if (code_of(msg.reason) != ec::crashed) {
        participant_left(self, num);
        return;
      }
      self
        ->request(registry_for(self, num), caf::infinite, atom::get::value,
                  std::to_string(num))
        .then(
          [=](agent_ref& ref) {
            if (ref.handle) {
              self->state.handles[num] = ref.handle;
              self->monitor(ref.handle);
            }
          },
          [=](caf::error&) { participant_left(self, num); });
      return;
    }
  });
  resolved();
}

void arm_deadline(self_ptr self) {
  auto& st = self->state;
  auto timeout
    = st.spec.timeout_ms > 0 ? st.spec.timeout_ms : default_timeout_ms;
  self->delayed_send(self, std::chrono::milliseconds{timeout},
                     atom::timeout::value, st.deadline_generation);
}

/// Participants without a handle (ended before the run could watch them)
/// count as having left.
void drop_missing(self_ptr self) {
  auto& st = self->state;
  for (auto& p : std::vector<participant>{st.info.participants})
    if (p.active && st.handles.count(p.agent) == 0)
      participant_left(self, p.agent);
}

coordination_actor::behavior_type running(self_ptr self) {
  return {
    [=](atom::get) {
      ++self->state.processed;
      return self->state.info;
    },
    [=](atom::task_done, task_result& res) {
      auto& st = self->state;
      ++st.processed;
      auto i = st.open_tasks.find(res.task_id);
      if (i == st.open_tasks.end() || over(self))
        return;
      auto slot = i->second;
      st.open_tasks.erase(i);
      switch (st.info.kind) {
        case pattern::hierarchical: hierarchical_done(self, slot, res); break;
        case pattern::pipeline: pipeline_done(self, slot, res); break;
        case pattern::consensus: consensus_done(self, slot, res); break;
        case pattern::mesh: break; // mesh runs on messages, not tasks
      }
    },
    [=](atom::timeout, uint64_t generation) {
      auto& st = self->state;
      ++st.processed;
      if (generation != st.deadline_generation || over(self))
        return;
      finish(self, coord_status::failed,
             "timed out after " + std::to_string(st.info.steps_done) + " of "
               + std::to_string(st.info.steps_total) + " steps");
    },
    [=](atom::status, status_verbosity v) {
      ++self->state.processed;
      return status_of(self, v);
    },
  };
}

} // namespace

coordination_actor::behavior_type coordination(self_ptr self,
                                               node_context_ptr ctx,
                                               coordination_spec spec,
                                               registry_actor registry) {
  auto& st = self->state;
  st.ctx = std::move(ctx);
  st.registry = std::move(registry);
  auto& info = st.info;
  info.id = spec.id;
  info.node = st.ctx->node_name;
  info.kind = spec.kind;
  info.task = spec.task;
  info.metadata = spec.metadata;
  info.started_ms = now_ms();
  info.participants = participants_of(spec);
  st.spec = std::move(spec);
  publish(self, "forming");
  arm_deadline(self);
  watch_participants(self, [self] {
    start(self);
    // Agents that ended between the registry's check and now count as
    // having left at once.
    drop_missing(self);
  });
  return running(self);
}

coordination_actor::behavior_type
resumed_coordination(self_ptr self, node_context_ptr ctx,
                     coordination_info info, registry_actor registry) {
  auto& st = self->state;
  st.ctx = std::move(ctx);
  st.registry = std::move(registry);
  st.info = std::move(info);
  st.spec.id = st.info.id;
  st.spec.kind = st.info.kind;
  st.spec.task = st.info.task;
  st.spec.metadata = st.info.metadata;
  for (auto& p : st.info.participants)
    st.spec.participants.push_back(p.agent);
  std::vector<size_t> open;
  // A run stored while forming had given no task yet; mesh runs have none.
  auto resumable = st.info.status == coord_status::active
                   && restore_checkpoint(self, open)
                   && (!open.empty() || st.info.kind == pattern::mesh);
  arm_deadline(self);
  watch_participants(self, [self, resumable, open] {
    auto& st = self->state;
    if (!resumable) {
      // Stored before it started: run it from the beginning.
      st.info.steps_done = 0;
      start(self);
      drop_missing(self);
      return;
    }
    st.info.status = coord_status::active;
    st.info.reason = "resumed after a restart at step "
                     + std::to_string(st.info.steps_done) + " of "
                     + std::to_string(st.info.steps_total);
    publish(self, st.info.reason);
    // Leavers first, so that no task goes to an agent that is gone.
    drop_missing(self);
    if (!over(self))
      reopen(self, open);
  });
  return running(self);
}

} // namespace av
