#include <memory>

#include "av/api/json_layout.hpp"
#include "av/api/routes.hpp"

namespace av::http {

namespace {

using json = nlohmann::json;

void set_position(const api_env& env, api_call call) {
  auto req = position_request_from_json(call.body());
  if (!req)
    return fail_parse(call, req.failure());
  env.act(call, [env, call, x = *req](caf::event_based_actor* self) {
    with_agent(self, env, call, [=](agent_ref& ref) {
      auto num = ref.summary.num;
      self
        ->request(env.physics, env.timeout, atom::position::value, num, x.pos,
                  x.has_velocity, x.vel)
        .then(
          [call, x](agent_position& pos) {
            call.reply(status::ok, json{{"numId", pos.agent},
                                        {"position", pos.pos},
                                        {"velocity", pos.vel},
                                        {"pinned", !x.has_velocity}});
          },
          api_env::on_error(call));
    });
  });
}

void release_position(const api_env& env, api_call call) {
  env.act(call, [env, call](caf::event_based_actor* self) {
    with_agent(self, env, call, [=](agent_ref& ref) {
      auto num = ref.summary.num;
      self
        ->request(env.physics, env.timeout, atom::position::value,
                  atom::release::value, num)
        .then(
          [call](agent_position& pos) {
            call.reply(status::ok, json{{"numId", pos.agent},
                                        {"position", pos.pos},
                                        {"pinned", false}});
          },
          api_env::on_error(call));
    });
  });
}

void send_formation(caf::event_based_actor* self, const api_env& env,
                    const api_call& call, formation_spec spec) {
  self->request(env.physics, env.timeout, atom::formation::value, spec)
    .then(
      [call](formation_info& info) {
        call.reply(status::created, info,
                   {{"Location", "/api/formations/" + info.id}});
      },
      api_env::on_error(call));
}

void create_formation(const api_env& env, api_call call) {
  auto req = formation_request_from_json(call.body());
  if (!req)
    return fail_parse(call, req.failure());
  env.act(call, [env, call, x = *req](caf::event_based_actor* self) {
    if (x.lookups.empty())
      return send_formation(self, env, call, x.spec);
    // Agents named by UUID or name: ask the registry for each, then send
    // once all numbers are known. The first failure answers.
    auto spec = std::make_shared<formation_spec>(x.spec);
    auto pending = std::make_shared<size_t>(x.lookups.size());
    for (auto& [index, key] : x.lookups) {
      self->request(env.registry, env.timeout, atom::get::value, key)
        .then(
          [=, i = index](agent_ref& ref) {
            spec->agents[i] = ref.summary.num;
            if (--*pending == 0)
              send_formation(self, env, call, *spec);
          },
          api_env::on_error(call));
    }
  });
}

void release_formation(const api_env& env, api_call call) {
  env.act(call, [env, call](caf::event_based_actor* self) {
    self
      ->request(env.physics, env.timeout, atom::formation::value,
                atom::release::value, call.param("id"))
      .then([call](formation_info& info) { call.reply(status::ok, info); },
            api_env::on_error(call));
  });
}

/// Sends `x` (empty fields unchanged) to the layout and answers all three,
/// with the node that runs the layout (docs/cluster.md, "One layout").
void tune(const api_env& env, api_call call, layout_tuning x) {
  env.act(call, [env, call, x](caf::event_based_actor* self) {
    self->request(env.physics, env.timeout, atom::tuning::value, x)
      .then(
        [self, env, call](double repulsion, double spring_k, double damping) {
          json body = physics_tuning{repulsion, spring_k, damping};
          self
            ->request(env.physics, env.timeout, atom::status::value,
                      status_verbosity::terse)
            .then(
              [call, body](caf::settings& physics) mutable {
                body["node"] = caf::get_or(physics, "leader", std::string{});
                call.reply(status::ok, body);
              },
              api_env::on_error(call));
        },
        api_env::on_error(call));
  });
}

void get_physics(const api_env& env, api_call call) {
  tune(env, std::move(call), layout_tuning{});
}

void set_physics(const api_env& env, api_call call) {
  auto req = physics_tuning_from_json(call.body());
  if (!req)
    return fail_parse(call, req.failure());
  tune(env, std::move(call), *req);
}

} // namespace

void add_layout_routes(router& r, const api_env& env) {
  r.add(verb::put, "/api/agents/{id}/position", bind_env(env, set_position));
  r.add(verb::delete_, "/api/agents/{id}/position",
        bind_env(env, release_position));
  r.add(verb::post, "/api/formations", bind_env(env, create_formation));
  r.add(verb::delete_, "/api/formations/{id}",
        bind_env(env, release_formation));
  r.add(verb::get, "/api/physics", bind_env(env, get_physics));
  r.add(verb::put, "/api/physics", bind_env(env, set_physics));
}

} // namespace av::http
