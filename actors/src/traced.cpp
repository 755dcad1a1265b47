#include "av/traced.hpp"

#include <utility>

namespace av {

void work_under(caf::local_actor* self,
                const std::optional<tracing::context>& ctx) {
  if (!ctx || !tracing::on())
    return;
  auto id = self->id();
  tracing::bind(id, *ctx);
  self->attach_functor([id] { tracing::unbind(id); });
}

handling_span::handling_span(caf::local_actor* self, const char* name) {
  if (!tracing::on())
    return;
  auto& sender = self->current_sender();
  if (!sender)
    return;
  auto parent = tracing::bound_to(sender->id());
  if (!parent)
    return;
  span_.emplace();
  span_->trace = parent->trace;
  span_->parent_id = parent->span;
  span_->id = tracing::new_span_id();
  span_->name = name;
  span_->start_ns = tracing::now_ns();
  span_->attributes.emplace_back("agentviz.actor.id",
                                 static_cast<std::int64_t>(self->id()));
}

handling_span::handling_span(caf::local_actor* self, const char* name,
                             const std::string& agent)
  : handling_span(self, name) {
  if (span_)
    span_->attributes.emplace_back("agentviz.agent.id", agent);
}

handling_span::~handling_span() {
  if (!span_)
    return;
  span_->end_ns = tracing::now_ns();
  tracing::record(std::move(*span_));
}

} // namespace av
