#include "av/local_memory_store.hpp"

#include <algorithm>
#include <cctype>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "av/error.hpp"
#include "av/node_context.hpp"

namespace av {

namespace {

/// Longest namespace and key accepted.
constexpr size_t max_ns_size = 128;
constexpr size_t max_key_size = 512;
/// Longest TTL accepted: 366 days.
constexpr std::chrono::seconds max_ttl{366 * 86400};

caf::error check_namespace(const std::string& ns) {
  bool ok = !ns.empty() && ns.size() <= max_ns_size
            && std::all_of(ns.begin(), ns.end(), [](char c) {
                 return std::isalnum(static_cast<unsigned char>(c)) || c == '_'
                        || c == '-' || c == '.';
               });
  if (ok)
    return caf::none;
  return make_error(ec::invalid_argument, "namespace",
                    "expected 1 to 128 of [A-Za-z0-9_.-]");
}

caf::error check_key(const std::string& key) {
  bool ok = !key.empty() && key.size() <= max_key_size
            && std::none_of(key.begin(), key.end(), [](char c) {
                 return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
               });
  if (ok)
    return caf::none;
  return make_error(ec::invalid_argument, "key",
                    "expected 1 to 512 bytes without control characters");
}

caf::error check_ttl(std::chrono::seconds ttl) {
  if (ttl.count() >= 0 && ttl <= max_ttl)
    return caf::none;
  return make_error(ec::invalid_argument, "ttl",
                    "expected 0 to " + std::to_string(max_ttl.count())
                      + " seconds");
}

caf::error check_names(const std::string& ns, const std::string& key) {
  if (auto err = check_namespace(ns))
    return err;
  return check_key(key);
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

protected:
  caf::error do_store(const std::string& ns, const std::string& key,
                      const std::string& value,
                      std::chrono::seconds ttl) override {
    auto size = memory_size(key, value);
    auto now = clock_();
    std::lock_guard<std::mutex> guard{mtx_};
    if (bytes_ - stored_size(ns, key) + size > max_bytes_) {
      sweep(now);
      if (bytes_ - stored_size(ns, key) + size > max_bytes_)
        return memory_full(size, max_bytes_);
    }
    auto& space = spaces_[ns];
    bytes_ -= stored_size(ns, key);
    bytes_ += size;
    auto expires = now + ttl.count() * 1000;
    auto [i, added] = space.insert_or_assign(key, record{value, now, expires});
    if (added)
      ++entries_;
    next_expiry_ = std::min(next_expiry_, expires);
    return caf::none;
  }

  caf::expected<std::optional<memory_entry>>
  do_retrieve(const std::string& ns, const std::string& key) override {
    auto now = clock_();
    std::lock_guard<std::mutex> guard{mtx_};
    std::optional<memory_entry> none;
    auto space = spaces_.find(ns);
    if (space == spaces_.end())
      return none;
    auto i = space->second.find(key);
    if (i == space->second.end())
      return none;
    if (i->second.expires_ms <= now) {
      erase(space, i);
      return none;
    }
    return entry(ns, i->first, i->second, now);
  }

  caf::expected<bool> do_remove(const std::string& ns,
                                const std::string& key) override {
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

  caf::expected<std::vector<memory_entry>> do_list(const std::string& ns,
                                                   const std::string& prefix,
                                                   size_t limit) override {
    return select(ns, limit, [&](const std::string& key, const record&) {
      return key.compare(0, prefix.size(), prefix) == 0;
    });
  }

  caf::expected<std::vector<memory_entry>> do_search(const std::string& ns,
                                                     const std::string& pattern,
                                                     size_t limit) override {
    bool wildcard = pattern.find_first_of("*?") != std::string::npos;
    return select(ns, limit, [&](const std::string& key, const record& r) {
      return wildcard ? glob_match(pattern, key)
                      : r.value.find(pattern) != std::string::npos
                          || key.find(pattern) != std::string::npos;
    });
  }

public:
  caf::expected<memory_totals> totals() override {
    std::lock_guard<std::mutex> guard{mtx_};
    sweep(clock_());
    return memory_totals{entries_, bytes_, max_bytes_};
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

  /// Bytes the entry under `ns` and `key` takes now; 0 when absent.
  uint64_t stored_size(const std::string& ns, const std::string& key) const {
    auto space = spaces_.find(ns);
    if (space == spaces_.end())
      return 0;
    auto i = space->second.find(key);
    return i == space->second.end() ? 0 : memory_size(key, i->second.value);
  }

  static memory_entry entry(const std::string& ns, const std::string& key,
                            const record& r, int64_t now) {
    return memory_entry{ns, key, r.value, (r.expires_ms - now + 999) / 1000,
                        r.stored_ms};
  }

  void erase(spaces_map::iterator space, space_map::iterator i) {
    bytes_ -= memory_size(i->first, i->second.value);
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
          bytes_ -= memory_size(i->first, i->second.value);
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

caf::error memory_store::store(const std::string& ns, const std::string& key,
                               const std::string& value,
                               std::chrono::seconds ttl) {
  if (auto err = check_names(ns, key))
    return err;
  if (auto err = check_ttl(ttl))
    return err;
  return do_store(ns, key, value, ttl.count() == 0 ? default_ttl : ttl);
}

caf::expected<std::optional<memory_entry>>
memory_store::retrieve(const std::string& ns, const std::string& key) {
  if (auto err = check_names(ns, key))
    return err;
  return do_retrieve(ns, key);
}

caf::expected<bool> memory_store::remove(const std::string& ns,
                                         const std::string& key) {
  if (auto err = check_names(ns, key))
    return err;
  return do_remove(ns, key);
}

caf::expected<std::vector<memory_entry>>
memory_store::list(const std::string& ns, const std::string& prefix,
                   size_t limit) {
  if (auto err = check_namespace(ns))
    return err;
  return do_list(ns, prefix, limit);
}

caf::expected<std::vector<memory_entry>>
memory_store::search(const std::string& ns, const std::string& pattern,
                     size_t limit) {
  if (auto err = check_namespace(ns))
    return err;
  return do_search(ns, pattern, limit);
}

caf::error memory_full(uint64_t size, uint64_t max_bytes) {
  return make_error(ec::store_full, "value",
                    "storing " + std::to_string(size)
                      + " bytes would exceed MEMORY_MAX_BYTES ("
                      + std::to_string(max_bytes) + " bytes)");
}

memory_store_ptr make_local_memory_store(uint64_t max_bytes,
                                         std::function<int64_t()> clock_ms) {
  return std::make_shared<local_memory_store>(max_bytes, std::move(clock_ms));
}

memory_store_ptr make_local_memory_store(uint64_t max_bytes) {
  return make_local_memory_store(max_bytes, [] { return now_ms(); });
}

} // namespace av
