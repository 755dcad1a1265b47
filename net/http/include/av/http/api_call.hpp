#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <caf/error.hpp>
#include <nlohmann/json.hpp>

#include "av/base/trace.hpp"
#include "av/http/api_error.hpp"
#include "av/http/reply.hpp"

namespace av::http {

/// Name-value pairs in the order they appeared.
using param_list = std::vector<std::pair<std::string, std::string>>;

/// One request being answered. Copies share the request, so handlers can
/// capture it in actor callbacks; the first answer wins and later ones are
/// dropped. If every copy is gone without an answer, a 503 goes out, so a
/// lost callback never leaves a client hanging.
class api_call {
public:
  using send_fn = std::function<void(reply)>;

  api_call(param_list params, param_list query, nlohmann::json body,
           send_fn send);

  /// A path parameter, e.g. `id` of `/api/agents/{id}`; empty if absent.
  const std::string& param(std::string_view name) const;

  /// A query parameter, or null when absent.
  const std::string* query(std::string_view name) const;

  /// The request body as JSON; an empty object when there was none.
  const nlohmann::json& body() const { return state_->body; }

  /// Answers with `code` and `body`.
  void reply(http::status code, const nlohmann::json& body,
             header_list headers = {}) const;

  /// Answers with `code` and JSON text rendered before.
  void reply_text(http::status code, std::string body,
                  header_list headers = {}) const;

  /// Answers with an API error.
  void fail(const api_error& err) const;

  /// Answers with the API error for a node error.
  void fail(const caf::error& err) const;

  /// The span the request runs under when it is traced: the actors it
  /// reaches record their work as its children (api_env::act).
  const std::optional<tracing::context>& trace() const { return state_->trace; }

  /// Set before the call reaches its handler.
  void set_trace(std::optional<tracing::context> x) { state_->trace = x; }

  /// Returns whether an answer went out.
  bool answered() const { return state_->answered.load(); }

private:
  struct state {
    param_list params;
    param_list query;
    nlohmann::json body;
    send_fn send;
    std::optional<tracing::context> trace;
    std::atomic<bool> answered{false};
    ~state();
  };

  void send(http::reply x) const;

  std::shared_ptr<state> state_;
};

/// Renders JSON for the wire; invalid UTF-8 is replaced rather than thrown.
std::string dump(const nlohmann::json& x);

} // namespace av::http
