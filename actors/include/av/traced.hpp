#pragma once

#include <optional>
#include <string>

#include <caf/local_actor.hpp>

#include "av/base/trace.hpp"

/// Trace context carried into the actors a request reaches. CAF 0.17 carries
/// no per-message context unless built with its actor profiler (Debian's is
/// not), so the actor that serves a request binds its id to the request's
/// span, and the actors it sends to (directly or through `delegate`, which
/// keeps the sender) record their handling as children of it.
namespace av {

/// Binds `self` to `ctx` until `self` ends; nothing when `ctx` is empty or
/// tracing is off.
void work_under(caf::local_actor* self,
                const std::optional<tracing::context>& ctx);

/// An INTERNAL span of what `self` does for the message at hand, from here
/// to the end of the handler: recorded when the message's sender works under
/// a traced request, else nothing (and nearly free).
class handling_span {
public:
  /// `name`: what is done, e.g. `agent assign`.
  handling_span(caf::local_actor* self, const char* name);

  /// The same for the agent `agent` (its UUID, `agentviz.agent.id`).
  handling_span(caf::local_actor* self, const char* name,
                const std::string& agent);
  ~handling_span();

  handling_span(const handling_span&) = delete;
  handling_span& operator=(const handling_span&) = delete;

private:
  std::optional<tracing::span> span_;
};

} // namespace av
