#include "av/api/json_mapping.hpp"
#include "av/api/routes.hpp"
#include "av/error.hpp"

namespace av::http {

namespace {

using json = nlohmann::json;

/// Sends `msg` from the agent `from` once the recipient's number (and
/// node, where the message is recorded) is known.
void deliver(caf::event_based_actor* self, const api_env& env,
             const api_call& call, const std::string& from,
             outgoing_message msg, const std::string& to_node) {
  self->request(env.registry, env.timeout, atom::get::value, from)
    .then(
      [=](agent_ref& ref) {
        self->request(ref.handle, env.timeout, atom::send::value, msg)
          .then(
            [self, env, call, to_node](message_receipt& receipt) {
              env.after_commit(
                self, call,
                [call, receipt] { call.reply(status::ok, receipt); }, to_node);
            },
            api_env::on_error(call));
      },
      [call](caf::error& err) {
        auto x = from_caf(err);
        if (x.code == status::not_found)
          x.field = "from";
        call.fail(x);
      });
}

void send_message(const api_env& env, api_call call) {
  auto req = message_request_from_json(call.body());
  if (!req)
    return fail_parse(call, req.failure());
  env.act(call, [env, call, req = *req](caf::event_based_actor* self) {
    // The recipient may be named by UUID or name; agents route by number.
    self->request(env.registry, env.timeout, atom::get::value, req.to)
      .then(
        [=](agent_ref& to) mutable {
          auto msg = req.msg;
          msg.to = to.summary.num;
          deliver(self, env, call, req.from, std::move(msg), to.summary.node);
        },
        [call](caf::error& err) {
          auto x = from_caf(err);
          if (x.code == status::not_found)
            x.field = "to";
          call.fail(x);
        });
  });
}

} // namespace

void add_message_routes(router& r, const api_env& env) {
  r.add(verb::post, "/api/messages",
        [env](api_call call) { send_message(env, std::move(call)); });
}

} // namespace av::http
