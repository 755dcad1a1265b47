#include "av/api/json_mapping.hpp"
#include "av/api/routes.hpp"
#include "av/error.hpp"

namespace av::http {

namespace {

using json = nlohmann::json;

void list_coordinations(const api_env& env, api_call call) {
  auto status_filter = call.query("status") ? *call.query("status") : "";
  env.act(call, [env, call, status_filter](caf::event_based_actor* self) {
    self
      ->request(env.registry, env.timeout, atom::coordinate::value,
                atom::list::value, status_filter)
      .then(
        [call](std::vector<coordination_info>& xs) {
          call.reply(status::ok,
                     json{{"coordinations", xs}, {"total", xs.size()}});
        },
        api_env::on_error(call));
  });
}

void start_coordination(const api_env& env, api_call call) {
  auto spec = coordination_spec_from_json(call.body());
  if (!spec)
    return fail_parse(call, spec.failure());
  env.act(call, [env, call, spec = *spec](caf::event_based_actor* self) {
    self->request(env.registry, env.timeout, atom::coordinate::value, spec)
      .then(reply_created<coordination_info>(self, env, call,
                                             "/api/coordinations/"),
            api_env::on_error(call));
  });
}

/// Answers from the registry's listing; used once a coordination's actor has
/// ended, as the registry keeps finished runs.
void from_listing(caf::event_based_actor* self, const api_env& env,
                  const api_call& call) {
  self
    ->request(env.registry, env.timeout, atom::coordinate::value,
              atom::list::value, std::string{})
    .then(
      [call](std::vector<coordination_info>& xs) {
        for (auto& x : xs)
          if (x.id == call.param("id"))
            return call.reply(status::ok, x);
        call.fail(
          from_caf(make_error(ec::not_found, "no coordination with id \""
                                               + call.param("id") + "\"")));
      },
      api_env::on_error(call));
}

void get_coordination(const api_env& env, api_call call) {
  env.act(call, [env, call](caf::event_based_actor* self) {
    self
      ->request(env.registry, env.timeout, atom::coordinate::value,
                atom::get::value, call.param("id"))
      .then(
        [=](coordination_ref& ref) {
          self->request(ref.handle, env.timeout, atom::get::value)
            .then(
              [call](coordination_info& info) { call.reply(status::ok, info); },
              [=](caf::error&) { from_listing(self, env, call); });
        },
        api_env::on_error(call));
  });
}

} // namespace

void add_coordination_routes(router& r, const api_env& env) {
  r.add(verb::get, "/api/coordinations", bind_env(env, list_coordinations));
  r.add(verb::post, "/api/coordinations", bind_env(env, start_coordination));
  r.add(verb::get, "/api/coordinations/{id}", bind_env(env, get_coordination));
}

} // namespace av::http
