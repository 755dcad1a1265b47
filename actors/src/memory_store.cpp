#include "av/local_memory_store.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "av/node_context.hpp"

namespace av {

namespace {

/// Longest namespace and key accepted.
constexpr size_t max_ns_size = 128;
constexpr size_t max_key_size = 512;
/// Longest TTL accepted: one year.
constexpr std::chrono::seconds max_ttl{366 * 86400};

/// Why a request is refused; nothing when it is fine.
using complaint = std::optional<std::string>;

complaint ns_error(const std::string& ns) {
  bool ok = !ns.empty() && ns.size() <= max_ns_size
            && std::all_of(ns.begin(), ns.end(), [](char c) {
                 return std::isalnum(static_cast<unsigned char>(c)) || c == '_'
                        || c == '-' || c == '.' || c == ':';
               });
  if (ok)
    return std::nullopt;
  return "namespace: expected 1 to 128 of [A-Za-z0-9_.:-]";
}

complaint names_error(const std::string& ns, const std::string& key) {
  if (auto why = ns_error(ns))
    return why;
  if (key.empty() || key.size() > max_key_size)
    return "key: expected 1 to 512 characters";
  return std::nullopt;
}

complaint ttl_error(std::chrono::seconds ttl) {
  if (ttl.count() >= 0 && ttl <= max_ttl)
    return std::nullopt;
  return "ttl: expected 0 to " + std::to_string(max_ttl.count()) + " seconds";
}

/// The store's interface reports refusals as `memory_error` (its callers
/// catch that); checks return theirs, and this is where they turn into it.
void refuse_if(const complaint& why) {
  if (why)
    throw memory_error(memory_error::kind::invalid, *why);
}

/// `*` matches any run, `?` one character; iterative with backtracking to
/// the last star, so patterns cannot blow up.
bool glob_match(const std::string& pattern, const std::string& text) {
  size_t p = 0, t = 0, star = std::string::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*')
    ++p;
  return p == pattern.size();
}

class local_memory_store : public memory_store {
public:
  local_memory_store(uint64_t max_bytes, std::function<int64_t()> clock)
    : max_bytes_(max_bytes), clock_(std::move(clock)) {}

  void store(const std::string& ns, const std::string& key,
             const std::string& value, std::chrono::seconds ttl) override {
    refuse_if(names_error(ns, key));
    refuse_if(ttl_error(ttl));
    if (ttl.count() == 0)
      ttl = default_ttl;
    auto size = ns.size() + key.size() + value.size();
    auto now = clock_();
    std::lock_guard<std::mutex> guard{mtx_};
    if (bytes_ - stored_size(ns, key) + size > max_bytes_) {
      sweep(now);
      if (bytes_ - stored_size(ns, key) + size > max_bytes_)
        throw memory_error(memory_error::kind::full,
                           "value: storing " + std::to_string(size)
                             + " bytes would exceed MEMORY_MAX_BYTES ("
                             + std::to_string(max_bytes_) + ")");
    }
    auto& space = spaces_[ns];
    bytes_ -= stored_size(ns, key);
    bytes_ += size;
    auto expires = now + ttl.count() * 1000;
    auto [i, added] = space.insert_or_assign(key, record{value, now, expires});
    if (added)
      ++entries_;
    next_expiry_ = std::min(next_expiry_, expires);
  }

  std::optional<memory_entry> retrieve(const std::string& ns,
                                       const std::string& key) override {
    refuse_if(names_error(ns, key));
    auto now = clock_();
    std::lock_guard<std::mutex> guard{mtx_};
    auto space = spaces_.find(ns);
    if (space == spaces_.end())
      return std::nullopt;
    auto i = space->second.find(key);
    if (i == space->second.end())
      return std::nullopt;
    if (i->second.expires_ms <= now) {
      erase(space, i);
      return std::nullopt;
    }
    return entry(ns, i->first, i->second, now);
  }

  bool remove(const std::string& ns, const std::string& key) override {
    refuse_if(names_error(ns, key));
    auto now = clock_();
    std::lock_guard<std::mutex> guard{mtx_};
    auto space = spaces_.find(ns);
    if (space == spaces_.end())
      return false;
    auto i = space->second.find(key);
    if (i == space->second.end())
      return false;
    bool live = i->second.expires_ms > now;
    erase(space, i);
    return live;
  }

  std::vector<memory_entry> list(const std::string& ns,
                                 const std::string& prefix,
                                 size_t limit) override {
    return select(ns, limit, [&](const std::string& key, const record&) {
      return key.compare(0, prefix.size(), prefix) == 0;
    });
  }

  std::vector<memory_entry> search(const std::string& ns,
                                   const std::string& pattern,
                                   size_t limit) override {
    bool wildcard = pattern.find_first_of("*?") != std::string::npos;
    return select(ns, limit, [&](const std::string& key, const record& r) {
      return wildcard ? glob_match(pattern, key)
                      : r.value.find(pattern) != std::string::npos
                          || key.find(pattern) != std::string::npos;
    });
  }

  memory_totals totals() override {
    std::lock_guard<std::mutex> guard{mtx_};
    sweep(clock_());
    return {entries_, bytes_, max_bytes_};
  }

  std::string backend() const override { return "memory"; }

private:
  struct record {
    std::string value;
    int64_t stored_ms;
    int64_t expires_ms;
  };

  using space_map = std::map<std::string, record>;
  using spaces_map = std::map<std::string, space_map>;

  static uint64_t size_of(const std::string& ns, const std::string& key,
                          const record& r) {
    return ns.size() + key.size() + r.value.size();
  }

  /// Bytes the entry under `ns` and `key` takes now; 0 when absent.
  uint64_t stored_size(const std::string& ns, const std::string& key) const {
    auto space = spaces_.find(ns);
    if (space == spaces_.end())
      return 0;
    auto i = space->second.find(key);
    return i == space->second.end() ? 0 : size_of(ns, key, i->second);
  }

  static memory_entry entry(const std::string& ns, const std::string& key,
                            const record& r, int64_t now) {
    return memory_entry{ns, key, r.value, (r.expires_ms - now + 999) / 1000,
                        r.stored_ms};
  }

  void erase(spaces_map::iterator space, space_map::iterator i) {
    bytes_ -= size_of(space->first, i->first, i->second);
    --entries_;
    space->second.erase(i);
    if (space->second.empty())
      spaces_.erase(space);
  }

  /// Drops every expired entry; looks at none before the earliest expiry
  /// (totals are read on every call of the tool).
  void sweep(int64_t now) {
    if (now < next_expiry_)
      return;
    next_expiry_ = std::numeric_limits<int64_t>::max();
    for (auto space = spaces_.begin(); space != spaces_.end();) {
      auto& xs = space->second;
      for (auto i = xs.begin(); i != xs.end();) {
        if (i->second.expires_ms <= now) {
          bytes_ -= size_of(space->first, i->first, i->second);
          --entries_;
          i = xs.erase(i);
        } else {
          next_expiry_ = std::min(next_expiry_, i->second.expires_ms);
          ++i;
        }
      }
      space = xs.empty() ? spaces_.erase(space) : std::next(space);
    }
  }

  template <class Pred>
  std::vector<memory_entry> select(const std::string& ns, size_t limit,
                                   Pred pred) {
    refuse_if(ns_error(ns));
    std::vector<memory_entry> result;
    auto now = clock_();
    std::lock_guard<std::mutex> guard{mtx_};
    auto space = spaces_.find(ns);
    if (space == spaces_.end())
      return result;
    for (auto& [key, r] : space->second) {
      if (result.size() >= limit)
        break;
      if (r.expires_ms > now && pred(key, r))
        result.push_back(entry(ns, key, r, now));
    }
    return result;
  }

  uint64_t max_bytes_;
  std::function<int64_t()> clock_;
  std::mutex mtx_;
  spaces_map spaces_;
  uint64_t bytes_ = 0;
  uint64_t entries_ = 0;
  /// No entry expires before; none may be gone before then.
  int64_t next_expiry_ = std::numeric_limits<int64_t>::max();
};

} // namespace

memory_store_ptr make_local_memory_store(uint64_t max_bytes,
                                         std::function<int64_t()> clock_ms) {
  return std::make_shared<local_memory_store>(max_bytes, std::move(clock_ms));
}

memory_store_ptr make_local_memory_store(uint64_t max_bytes) {
  return make_local_memory_store(max_bytes, [] { return now_ms(); });
}

} // namespace av
