#include "session.hpp"

#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>

#include "av/error.hpp"

namespace av::shell {

std::string api_answer::error_text() const {
  if (body.is_object() && body.contains("error") && body["error"].is_object())
    return body["error"].value("message", "failed");
  return "the node answered " + std::to_string(status);
}

namespace {

/// A console's `(status, body)` answer; a body that is not JSON reads as
/// an empty object.
api_answer answer_of(uint16_t code, const std::string& reply) {
  api_answer x;
  x.status = code;
  x.body = json::parse(reply, nullptr, false);
  if (x.body.is_discarded())
    x.body = json::object();
  return x;
}

} // namespace

session::session(caf::actor_system& sys, session_options opts)
  : sys_(sys), opts_(std::move(opts)), self_(sys) {
  // nop
}

std::string session::describe_error(const caf::error& err) const {
  if (err == caf::sec::request_timeout)
    return "node \"" + home_ + "\" did not answer within "
           + std::to_string(opts_.timeout.count()) + " ms";
  if (err == caf::sec::request_receiver_down || lost_)
    return "node \"" + home_ + "\" went away (its connection is lost)";
  if (err.category() == error_category) {
    auto line = context_of(err);
    return line.empty() ? describe(err) : line;
  }
  return sys_.render(err);
}

std::optional<std::string> session::connect() {
  auto where = opts_.host + ":" + std::to_string(opts_.port);
  auto mm = opts_.tls ? sys_.openssl_manager().actor_handle()
                      : sys_.middleman().actor_handle();
  std::optional<std::string> failure;
  self_
    ->request(caf::actor_cast<cluster::dialer_actor>(mm), opts_.timeout,
              caf::connect_atom::value, opts_.host, opts_.port)
    .receive(
      [&](caf::node_id&, caf::strong_actor_ptr& ptr, std::set<std::string>&) {
        if (!ptr)
          failure = "nothing is published at " + where
                    + " (is it a node's cluster port?)";
        else
          node_ = caf::actor_cast<cluster::node_actor>(ptr);
      },
      [&](caf::error& err) {
        failure = err == caf::sec::cannot_connect_to_node
                    ? "cannot connect to " + where
                        + ": nothing answers there (is the node running, "
                          "and is this its CLUSTER_PORT?)"
                  : err == caf::sec::disconnect_during_handshake
                    ? "cannot connect to " + where
                        + ": the node hung up during the handshake (does it "
                          "speak TLS? then --tls-cert, --tls-key and "
                          "--tls-ca; else it runs another version)"
                    : "cannot connect to " + where + ": " + sys_.render(err);
      });
  if (failure)
    return failure;
  self_->monitor(node_);
  self_->request(node_, opts_.timeout, atom::list::value)
    .receive(
      [&](std::vector<cluster::member>& xs) {
        if (!xs.empty())
          home_ = xs.front().name;
      },
      [&](caf::error& err) {
        failure = "the node at " + where
                  + " did not say who it is: " + describe_error(err);
      });
  if (failure)
    return failure;
  if (auto c = console(""); !c)
    return describe_error(c.error());
  return std::nullopt;
}

session::result<console_actor> session::console(const std::string& node) {
  auto name = node.empty() ? home_ : node;
  if (auto i = consoles_.find(name); i != consoles_.end())
    return i->second;
  result<console_actor> out{caf::error{}};
  self_
    ->request(node_, opts_.timeout, cluster::shell_atom::value, opts_.key,
              opts_.client, name)
    .receive(
      [&](caf::actor& c, std::string& why) {
        if (!c)
          out = make_error(ec::invalid_argument, why);
        else
          out = caf::actor_cast<console_actor>(c);
      },
      [&](caf::error& err) { out = std::move(err); });
  if (out)
    consoles_.emplace(name, *out);
  return out;
}

session::result<api_answer> session::api(const std::string& command,
                                         const std::string& method,
                                         const std::string& target,
                                         const json& body) {
  auto c = console("");
  if (!c)
    return c.error();
  result<api_answer> out{caf::error{}};
  auto text = body.is_null() ? std::string{} : body.dump();
  self_
    ->request(*c, opts_.timeout, api_atom::value, command, method, target, text)
    .receive(
      [&](uint16_t code, std::string& reply) { out = answer_of(code, reply); },
      [&](caf::error& err) { out = std::move(err); });
  return out;
}

session::result<json> session::actors(const std::string& node) {
  auto c = console(node);
  if (!c)
    return c.error();
  result<json> out{caf::error{}};
  self_->request(*c, opts_.timeout, actors_atom::value)
    .receive(
      [&](std::string& rows) {
        out = json::parse(rows, nullptr, false);
        if (out->is_discarded())
          out = json::array();
      },
      [&](caf::error& err) { out = std::move(err); });
  return out;
}

session::result<json> session::inspect(const std::string& node,
                                       const std::string& key, bool verbose) {
  auto c = console(node);
  if (!c)
    return c.error();
  result<json> out{caf::error{}};
  self_->request(*c, opts_.timeout, inspect_atom::value, key, verbose)
    .receive([&](std::string& x) { out = json::parse(x, nullptr, false); },
             [&](caf::error& err) { out = std::move(err); });
  return out;
}

session::result<api_answer> session::drill(const std::string& command,
                                           const std::string& key) {
  auto c = console("");
  if (!c)
    return c.error();
  result<api_answer> out{caf::error{}};
  self_->request(*c, opts_.timeout, atom::fault::value, command, key)
    .receive(
      [&](uint16_t code, std::string& reply) { out = answer_of(code, reply); },
      [&](caf::error& err) { out = std::move(err); });
  return out;
}

std::optional<std::string> session::tail(uint32_t mask, num_id agent) {
  auto c = console("");
  if (!c)
    return describe_error(c.error());
  std::optional<std::string> failure;
  self_
    ->request(*c, opts_.timeout, tail_atom::value,
              caf::actor_cast<caf::actor>(self_), mask, agent)
    .receive([](bool) {},
             [&](caf::error& err) { failure = describe_error(err); });
  return failure;
}

session::result<std::string>
session::next_events(std::chrono::milliseconds wait) {
  std::string lines;
  self_->receive([&](tail_atom, std::string& xs) { lines = std::move(xs); },
                 [&](caf::down_msg&) { lost_ = true; },
                 caf::after(wait) >>
                   [] {
                     // Nothing came: the caller looks at the clock and the
                     // keyboard.
                   });
  if (lost_)
    return make_error(ec::node_unreachable, "node \"" + home_ + "\" went away");
  return lines;
}

void session::stop_tail() {
  if (auto c = console(""))
    self_->send(*c, tail_atom::value);
  // Lines already on their way are dropped.
  bool more = true;
  while (more)
    self_->receive(
      [](tail_atom, std::string&) {}, [&](caf::down_msg&) { lost_ = true; },
      caf::after(std::chrono::milliseconds{0}) >> [&] { more = false; });
}

} // namespace av::shell
