#include "av/redis_memory_store.hpp"

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <mutex>
#include <vector>

#include "av/error.hpp"
#include "av/node_context.hpp"
#include "av/redis_client.hpp"

namespace av::persistence {

namespace {

using namespace detail;

constexpr const char* sizes_key = "memory:__sizes";
constexpr const char* expiry_key = "memory:__expiry";
constexpr const char* bytes_key = "memory:__bytes";

/// Forgets entries whose TTL ran out (Redis deleted them already); the
/// scripts below name their keys.
constexpr const char* sweep_fn = R"lua(
local function sweep(sizes, expiry, bytes, now)
  local gone = redis.call('ZRANGEBYSCORE', expiry, '-inf', now)
  for _, k in ipairs(gone) do
    if redis.call('EXISTS', k) == 0 then
      local size = tonumber(redis.call('ZSCORE', sizes, k) or '0')
      redis.call('ZREM', sizes, k)
      redis.call('ZREM', expiry, k)
      redis.call('DECRBY', bytes, size)
    end
  end
end
)lua";

/// KEYS: sizes, expiry, bytes. ARGV: now in ms.
const std::string sweep_lua
  = std::string{sweep_fn} + "sweep(KEYS[1], KEYS[2], KEYS[3], ARGV[1])\n";

/// KEYS: entry, sizes, expiry, bytes. ARGV: now ms, value, ttl s, size, cap.
/// Returns the new total, or -1 when the cap would be exceeded.
const std::string store_lua = std::string{sweep_fn}
                              + "sweep(KEYS[2], KEYS[3], KEYS[4], ARGV[1])\n"
                              + R"lua(
local old = tonumber(redis.call('ZSCORE', KEYS[2], KEYS[1]) or '0')
local total = tonumber(redis.call('GET', KEYS[4]) or '0')
local size = tonumber(ARGV[4])
if total - old + size > tonumber(ARGV[5]) then return -1 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'value', ARGV[2], 'stored', ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('ZADD', KEYS[2], size, KEYS[1])
redis.call('ZADD', KEYS[3], tonumber(ARGV[1]) + 1000 * tonumber(ARGV[3]), KEYS[1])
return redis.call('INCRBY', KEYS[4], size - old)
)lua";

/// KEYS: entry, sizes, expiry, bytes. Returns 1 when the entry existed.
const std::string remove_lua = R"lua(
local size = tonumber(redis.call('ZSCORE', KEYS[2], KEYS[1]) or '0')
redis.call('ZREM', KEYS[2], KEYS[1])
redis.call('ZREM', KEYS[3], KEYS[1])
redis.call('DECRBY', KEYS[4], size)
return redis.call('DEL', KEYS[1])
)lua";

/// Escapes the glob characters of Redis MATCH.
std::string glob_escape(const std::string& x) {
  std::string result;
  for (auto c : x) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\')
      result += '\\';
    result += c;
  }
  return result;
}

/// A user's glob (only `*` and `?` special) for Redis MATCH.
std::string user_glob(const std::string& x) {
  std::string result;
  for (auto c : x) {
    if (c == '[' || c == ']' || c == '\\')
      result += '\\';
    result += c;
  }
  return result;
}

std::string text(const redisReply* r) {
  return r && r->str ? std::string{r->str, r->len} : std::string{};
}

class redis_memory_store : public memory_store {
public:
  redis_memory_store(connection_url url, uint64_t max_bytes, size_t connections)
    : url_(std::move(url)), max_bytes_(max_bytes),
      max_connections_(std::max<size_t>(connections, 1)) {}

  caf::expected<memory_totals> totals() override {
    auto swept = run({"EVAL", sweep_lua, "3", sizes_key, expiry_key, bytes_key,
                      std::to_string(now_ms())});
    if (!swept)
      return swept.error();
    auto entries = run({"ZCARD", sizes_key});
    if (!entries)
      return entries.error();
    auto bytes = run({"GET", bytes_key});
    if (!bytes)
      return bytes.error();
    auto count = text(bytes->get());
    return memory_totals{static_cast<uint64_t>((*entries)->integer),
                         count.empty() ? 0 : std::stoull(count), max_bytes_};
  }

  std::string backend() const override { return "redis"; }

protected:
  caf::error do_store(const std::string& ns, const std::string& key,
                      const std::string& value,
                      std::chrono::seconds ttl) override {
    auto size = memory_size(key, value);
    auto reply = run({"EVAL", store_lua, "4", entry(ns, key), sizes_key,
                      expiry_key, bytes_key, std::to_string(now_ms()), value,
                      std::to_string(ttl.count()), std::to_string(size),
                      std::to_string(max_bytes_)});
    if (!reply)
      return reply.error();
    if ((*reply)->type == REDIS_REPLY_INTEGER && (*reply)->integer < 0)
      return memory_full(size, max_bytes_);
    return caf::none;
  }

  caf::expected<std::optional<memory_entry>>
  do_retrieve(const std::string& ns, const std::string& key) override {
    return fetch(ns, key);
  }

  caf::expected<bool> do_remove(const std::string& ns,
                                const std::string& key) override {
    auto reply = run({"EVAL", remove_lua, "4", entry(ns, key), sizes_key,
                      expiry_key, bytes_key});
    if (!reply)
      return reply.error();
    return (*reply)->integer > 0;
  }

  caf::expected<std::vector<memory_entry>> do_list(const std::string& ns,
                                                   const std::string& prefix,
                                                   size_t limit) override {
    return collect(ns, glob_escape(prefix) + "*", "", limit);
  }

  caf::expected<std::vector<memory_entry>> do_search(const std::string& ns,
                                                     const std::string& pattern,
                                                     size_t limit) override {
    if (pattern.find_first_of("*?") != std::string::npos)
      return collect(ns, user_glob(pattern), "", limit);
    return collect(ns, "*", pattern, limit);
  }

private:
  static std::string entry(const std::string& ns, const std::string& key) {
    return "memory:" + ns + ":" + key;
  }

  using client_ptr = std::unique_ptr<redis_client>;

  /// An idle connection, or null when the caller may open one; waits while
  /// REDIS_POOL_SIZE connections are in use.
  client_ptr lease() {
    std::unique_lock<std::mutex> guard{mtx_};
    cv_.wait(guard, [&] { return !idle_.empty() || open_ < max_connections_; });
    if (idle_.empty()) {
      ++open_;
      return nullptr;
    }
    auto result = std::move(idle_.back());
    idle_.pop_back();
    return result;
  }

  /// Puts a leased connection back; null gives its place up.
  void give_back(client_ptr client) {
    {
      std::lock_guard<std::mutex> guard{mtx_};
      if (client)
        idle_.push_back(std::move(client));
      else
        --open_;
    }
    cv_.notify_one();
  }

  /// The reply to `cmd`, or `unreachable` when Redis cannot be reached or
  /// refuses the command.
  caf::expected<reply_ptr> run(const command& cmd) {
    auto client = lease();
    for (int attempt = 0;; ++attempt) {
      try {
        if (!client) {
          client
            = std::make_unique<redis_client>(url_, std::chrono::seconds{2});
          client->run({"CLIENT", "SETNAME", "agentviz-memory"});
        }
        auto reply = client->run(cmd);
        give_back(std::move(client));
        return reply;
      } catch (const redis_unavailable& e) {
        // One retry on a fresh connection: the old one may have been
        // dropped while idle.
        client.reset();
        if (attempt > 0) {
          give_back(nullptr);
          return make_error(ec::unreachable,
                            std::string{"Redis is unavailable: "} + e.what());
        }
      } catch (const redis_refused& e) {
        give_back(std::move(client));
        return make_error(ec::unreachable,
                          std::string{"Redis refused: "} + e.what());
      }
    }
  }

  caf::expected<std::optional<memory_entry>> fetch(const std::string& ns,
                                                   const std::string& key) {
    auto name = entry(ns, key);
    auto fields = run({"HMGET", name, "value", "stored"});
    if (!fields)
      return fields.error();
    std::optional<memory_entry> result;
    auto& xs = **fields;
    if (xs.elements < 2 || xs.element[0]->type == REDIS_REPLY_NIL)
      return result;
    auto ttl = run({"TTL", name});
    if (!ttl)
      return ttl.error();
    auto stored = text(xs.element[1]);
    result = memory_entry{ns, key, text(xs.element[0]), (*ttl)->integer,
                          stored.empty() ? 0 : std::stoll(stored)};
    return result;
  }

  /// Entries of `ns` whose key matches `glob` and whose key or value
  /// contains `needle`, sorted by key, at most `limit`.
  caf::expected<std::vector<memory_entry>> collect(const std::string& ns,
                                                   const std::string& glob,
                                                   const std::string& needle,
                                                   size_t limit) {
    auto head = "memory:" + ns + ":";
    std::vector<std::string> keys;
    std::string cursor = "0";
    do {
      auto reply = run(
        {"SCAN", cursor, "MATCH", glob_escape(head) + glob, "COUNT", "1000"});
      if (!reply)
        return reply.error();
      cursor = text((*reply)->element[0]);
      auto batch = (*reply)->element[1];
      for (size_t i = 0; i < batch->elements; ++i)
        keys.push_back(text(batch->element[i]).substr(head.size()));
    } while (cursor != "0");
    std::sort(keys.begin(), keys.end());
    std::vector<memory_entry> result;
    for (const auto& key : keys) {
      if (result.size() >= limit)
        break;
      auto x = fetch(ns, key);
      if (!x)
        return x.error();
      if (*x
          && (needle.empty() || key.find(needle) != std::string::npos
              || (*x)->value.find(needle) != std::string::npos))
        result.push_back(std::move(**x));
    }
    return result;
  }

  connection_url url_;
  uint64_t max_bytes_;
  size_t max_connections_;
  std::mutex mtx_;
  std::condition_variable cv_;
  /// Connections open (idle or leased).
  size_t open_ = 0;
  std::vector<client_ptr> idle_;
};

} // namespace

caf::expected<memory_store_ptr>
make_redis_memory_store(const std::string& redis_url, uint64_t max_bytes,
                        size_t connections) {
  auto url = parse_redis_url(redis_url);
  if (!url)
    return make_error(ec::invalid_argument, "REDIS_URL", url.error());
  return std::make_shared<redis_memory_store>(*url, max_bytes, connections);
}

} // namespace av::persistence
