#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "av/types.hpp"

namespace av::mcp {

/// A swarm made by `swarm_init`: its agents and the shape of their edges.
struct swarm {
  std::string id;
  std::string name;
  std::string topology;
  std::vector<num_id> agents;
  int64_t created_ms = 0;
};

/// The swarms of a node; safe from any thread.
class swarm_book {
public:
  void put(swarm x) {
    std::lock_guard<std::mutex> guard{mtx_};
    auto id = x.id;
    swarms_[id] = std::move(x);
  }

  std::optional<swarm> get(const std::string& id) const {
    std::lock_guard<std::mutex> guard{mtx_};
    auto i = swarms_.find(id);
    if (i == swarms_.end())
      return std::nullopt;
    return i->second;
  }

  std::vector<swarm> all() const {
    std::lock_guard<std::mutex> guard{mtx_};
    std::vector<swarm> result;
    for (auto& kvp : swarms_)
      result.push_back(kvp.second);
    return result;
  }

private:
  mutable std::mutex mtx_;
  std::unordered_map<std::string, swarm> swarms_;
};

} // namespace av::mcp
