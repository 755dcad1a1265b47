#include "av/api/agent_lists.hpp"

#include "av/base/text.hpp"

namespace av::http {

namespace {

/// Distinct queries kept at most; a client walking through pages or odd
/// filters must not grow the map without bound.
constexpr size_t max_entries = 64;

std::string etag_of(const std::string& body) {
  return '"' + hex_digest(body) + '"';
}

struct watcher_data {
  static inline const char* name = "agent_lists";
  uint64_t processed = 0;
};

using watcher_ptr = agent_list_watcher_actor::stateful_pointer<watcher_data>;

agent_list_watcher_actor::behavior_type
watcher(watcher_ptr self, std::shared_ptr<agent_lists> lists,
        node_context_ptr ctx, registry_actor registry, bus_actor bus) {
  constexpr auto timeout = std::chrono::seconds{30};
  // Once the registry answers it has sent its own subscription, so the bus
  // takes ours after it and hands every batch to the registry first.
  self->request(registry, timeout, atom::status::value, status_verbosity::terse)
    .then(
      [=](caf::settings&) {
        self->send(bus, atom::subscribe::value,
                   caf::actor_cast<event_sink_actor>(self), ~uint32_t{0});
        // Every event published so far either reached the registry before
        // the bus took our subscription, or goes out with this flush, to
        // the registry and then to us, ahead of the status answer.
        auto published = ctx->bus.last_seq();
        self->send(bus, atom::flush::value);
        self
          ->request(bus, timeout, atom::status::value, status_verbosity::terse)
          .then([=](caf::settings&) { lists->follow(published); },
                [](caf::error&) {});
      },
      [](caf::error&) {
        // No registry: answers are never reused.
      });
  return {
    [=](const event_batch& batch) {
      ++self->state.processed;
      auto& events = *batch.events;
      if (events.empty())
        return;
      bool states = false;
      for (auto& ev : events)
        states = states || changes_listings(ev);
      lists->saw(events.back().seq, states);
    },
    [=](atom::status, status_verbosity) {
      return status_header(self, "agent_lists", "agent_lists",
                           lists->settled() ? "following the bus"
                                            : "catching up with the bus",
                           self->state.processed);
    },
  };
}

} // namespace

std::string agent_list_key(const agent_filter& filter) {
  // NUL cannot occur in decoded query values (the router refuses it).
  std::string key = filter.type;
  key += '\0';
  key += filter.state;
  key += '\0';
  key += std::to_string(filter.offset);
  key += '\0';
  key += std::to_string(filter.limit);
  return key;
}

agent_lists::agent_lists(node_context_ptr ctx) : ctx_(std::move(ctx)) {
  // nop
}

void agent_lists::watch(const std::shared_ptr<agent_lists>& self,
                        caf::actor_system& sys, registry_actor registry,
                        bus_actor bus) {
  auto handle
    = sys.spawn(watcher, self, self->ctx_, std::move(registry), std::move(bus));
  std::lock_guard<std::mutex> guard{self->mtx_};
  self->watcher_ = std::move(handle);
}

status_actor agent_lists::status() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return watcher_;
}

void agent_lists::stop() {
  following_ = false;
  std::lock_guard<std::mutex> guard{mtx_};
  entries_.clear();
  if (watcher_)
    caf::anon_send_exit(watcher_, caf::exit_reason::user_shutdown);
  watcher_ = nullptr;
}

bool agent_lists::settled() const {
  return following_.load(std::memory_order_acquire)
         && seen_.load(std::memory_order_acquire) >= ctx_->bus.last_state_seq();
}

std::optional<agent_lists::version> agent_lists::now() const {
  if (!following_.load(std::memory_order_acquire))
    return std::nullopt;
  return version{ctx_->agents.generation(),
                 states_.load(std::memory_order_acquire)};
}

std::shared_ptr<const agent_lists::entry>
agent_lists::find(const std::string& key) const {
  if (!settled())
    return nullptr;
  auto at = now();
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = entries_.find(key);
  if (i == entries_.end() || !at || !(i->second->at == *at))
    return nullptr;
  return i->second;
}

std::shared_ptr<const agent_lists::entry>
agent_lists::store(const std::string& key, version at, std::string body) {
  auto x = std::make_shared<entry>();
  x->at = at;
  x->etag = etag_of(body);
  x->body = std::move(body);
  std::lock_guard<std::mutex> guard{mtx_};
  if (entries_.size() >= max_entries && entries_.count(key) == 0)
    entries_.clear();
  entries_[key] = x;
  return x;
}

void agent_lists::saw(uint64_t seq, bool states_changed) {
  // The count moves before `seen_` does: whoever reads `seen_` current also
  // reads the count of every change it covers.
  if (states_changed)
    states_.fetch_add(1, std::memory_order_release);
  seen_.store(seq, std::memory_order_release);
}

void agent_lists::follow(uint64_t seq) {
  auto prev = seen_.load(std::memory_order_acquire);
  if (seq > prev)
    seen_.store(seq, std::memory_order_release);
  following_.store(true, std::memory_order_release);
}

} // namespace av::http
