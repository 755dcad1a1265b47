#include "av/bus.hpp"

#include <algorithm>

namespace av {

bus_actor::behavior_type bus(bus_actor::stateful_pointer<bus_data> self,
                             node_context_ptr ctx) {
  self->state.ctx = ctx;
  ctx->bus.attach(caf::actor_cast<bus_actor>(self));
  self->set_down_handler([self](caf::down_msg& msg) {
    auto& subs = self->state.subscribers;
    subs.erase(std::remove_if(subs.begin(), subs.end(),
                              [&](auto& x) { return x.sink == msg.source; }),
               subs.end());
  });
  self->attach_functor([ctx] { ctx->bus.attach(bus_actor{}); });
  return {
    [=](atom::subscribe, event_sink_actor& sink, uint32_t mask) {
      auto& st = self->state;
      ++st.processed;
      self->monitor(sink);
      st.subscribers.push_back({std::move(sink), mask});
    },
    [=](atom::unsub, const event_sink_actor& sink) {
      auto& st = self->state;
      ++st.processed;
      auto& subs = st.subscribers;
      subs.erase(std::remove_if(subs.begin(), subs.end(),
                                [&](auto& x) { return x.sink == sink; }),
                 subs.end());
    },
    [=](atom::flush) {
      auto& st = self->state;
      ++st.processed;
      auto events = st.ctx->bus.take();
      if (events.empty())
        return;
      ++st.batches;
      st.events += events.size();
      uint32_t kinds = 0;
      for (auto& x : events) {
        kinds |= kind_bit(x.kind());
        ++st.by_kind[static_cast<size_t>(x.kind())];
      }
      event_batch batch{
        std::make_shared<const std::vector<event>>(std::move(events))};
      for (auto& sub : st.subscribers)
        if ((sub.mask & kinds) != 0)
          self->send(sub.sink, batch);
    },
    [=](atom::status, status_verbosity) {
      auto& st = self->state;
      auto result
        = status_header(self, "bus", "bus",
                        std::to_string(st.subscribers.size()) + " subscribers, "
                          + std::to_string(st.events) + " events in "
                          + std::to_string(st.batches) + " batches",
                        st.processed);
      caf::put(result, "last_seq", st.ctx->bus.last_seq());
      // Kind names have dots (`agent.spawned`), which caf::put would read
      // as a path.
      caf::settings kinds;
      for (size_t i = 0; i < st.by_kind.size(); ++i)
        kinds[to_string(static_cast<event_kind>(i))]
          = static_cast<int64_t>(st.by_kind[i]);
      result["events_by_kind"] = std::move(kinds);
      return result;
    },
  };
}

} // namespace av
