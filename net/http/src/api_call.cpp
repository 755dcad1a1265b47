#include "av/http/api_call.hpp"

namespace av::http {

namespace {

const std::string* find(const param_list& xs, std::string_view name) {
  for (auto& kvp : xs)
    if (kvp.first == name)
      return &kvp.second;
  return nullptr;
}

} // namespace

std::string dump(const nlohmann::json& x) {
  return x.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

api_call::state::~state() {
  if (!answered.exchange(true) && send) {
    api_error err;
    err.code = status::service_unavailable;
    err.name = "unavailable";
    err.message = "the request was dropped without an answer";
    send(to_reply(err));
  }
}

api_call::api_call(param_list params, param_list query, nlohmann::json body,
                   send_fn send)
  : state_(std::make_shared<state>()) {
  state_->params = std::move(params);
  state_->query = std::move(query);
  state_->body = std::move(body);
  state_->send = std::move(send);
}

const std::string& api_call::param(std::string_view name) const {
  static const std::string none;
  auto x = find(state_->params, name);
  return x ? *x : none;
}

const std::string* api_call::query(std::string_view name) const {
  return find(state_->query, name);
}

void api_call::reply(http::status code, const nlohmann::json& body,
                     header_list headers) const {
  reply_text(code, dump(body), std::move(headers));
}

void api_call::reply_text(http::status code, std::string body,
                          header_list headers) const {
  send(http::reply{code, std::move(body), std::move(headers)});
}

void api_call::fail(const api_error& err) const {
  send(to_reply(err));
}

void api_call::fail(const caf::error& err) const {
  fail(from_caf(err));
}

void api_call::send(http::reply x) const {
  if (!state_->answered.exchange(true) && state_->send)
    state_->send(std::move(x));
}

} // namespace av::http
