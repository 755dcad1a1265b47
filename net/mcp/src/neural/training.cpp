#include "av/mcp/training.hpp"

namespace av::mcp {

namespace {

/// Samples kept per agent for clustering.
constexpr size_t samples_per_agent = 100;

std::string kind_of(const std::string& description) {
  auto colon = description.find(':');
  if (colon == std::string::npos || colon == 0 || colon > 50)
    return "work";
  return description.substr(0, colon);
}

} // namespace

void training_log::add(const std::vector<event>& events) {
  std::lock_guard<std::mutex> guard{mtx_};
  for (auto& ev : events) {
    if (auto x = caf::get_if<agent_spawned>(&ev.payload)) {
      types_[x->agent.num] = x->agent.type;
    } else if (auto x = caf::get_if<metrics_event>(&ev.payload)) {
      auto& xs = samples_[x->agent];
      xs.push_back(x->sample);
      if (xs.size() > samples_per_agent)
        xs.erase(xs.begin());
    } else if (auto x = caf::get_if<task_event>(&ev.payload)) {
      if (x->phase != task_phase::completed && x->phase != task_phase::failed)
        continue;
      task_record r;
      r.agent = x->agent;
      r.type = types_.count(x->agent) ? types_[x->agent] : "unknown";
      r.task_kind = kind_of(x->description);
      r.success = x->phase == task_phase::completed;
      r.duration_ms = x->duration_ms;
      if (auto i = samples_.find(x->agent); i != samples_.end())
        r.metrics = i->second.back();
      records_.push_back(std::move(r));
      if (records_.size() > capacity)
        records_.pop_front();
    }
  }
}

std::vector<task_record> training_log::records() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return {records_.begin(), records_.end()};
}

std::unordered_map<num_id, std::vector<metrics_sample>>
training_log::samples() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return samples_;
}

std::unordered_map<num_id, std::string> training_log::types() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return types_;
}

} // namespace av::mcp
