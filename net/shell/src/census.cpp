#include "census.hpp"

#include <memory>

#include <caf/stateful_actor.hpp>

#include "av/error.hpp"
#include "status_json.hpp"

namespace av::shell {

namespace {

using json = nlohmann::json;

/// Bound of each actor's status answer: an actor stuck that long is left
/// out of the listing rather than holding it up.
constexpr auto status_timeout = std::chrono::seconds{2};

struct census_state {
  static inline const char* name = "shell-census";
  gate_env env;
};

using self_ptr = census_actor::stateful_pointer<census_state>;

/// The answers of many status requests, delivered once the last is in.
struct tally {
  json rows = json::array();
  size_t left = 1;
  std::function<void(json)> done;

  void one_less() {
    if (--left == 0)
      done(std::move(rows));
  }
};

using tally_ptr = std::shared_ptr<tally>;

json row_of(const caf::settings& xs, const std::string& node) {
  auto all = status_json(xs);
  json row{{"kind", all.value("kind", "")},
           {"id", all.value("id", "")},
           {"node", node},
           {"summary", all.value("summary", "")},
           {"mailbox", all.value("mailbox", 0)},
           {"processed", all.value("processed", 0)}};
  if (all.contains("num"))
    row["num"] = all["num"];
  return row;
}

template <class Handle>
void ask(self_ptr self, const Handle& who, tally_ptr t) {
  ++t->left;
  auto node = self->state.env.ctx->node_name;
  self
    ->request(caf::actor_cast<status_actor>(who), status_timeout,
              atom::status::value, status_verbosity::terse)
    .then(
      [t, node](caf::settings& xs) {
        t->rows.push_back(row_of(xs, node));
        t->one_less();
      },
      [t](caf::error&) { t->one_less(); });
}

/// Every actor of the node but its agents and coordinations.
std::vector<status_actor> fixed_actors(const gate_env& env) {
  auto result = env.actors;
  if (env.sessions)
    for (auto& x : env.sessions())
      result.push_back(std::move(x));
  return result;
}

void list_all(self_ptr self, caf::typed_response_promise<std::string> rp) {
  auto& env = self->state.env;
  auto t = std::make_shared<tally>();
  t->done = [self, rp](json rows) mutable {
    rp.deliver(rows.dump());
    self->quit();
  };
  for (auto& x : fixed_actors(env))
    ask(self, x, t);
  for (auto num : env.ctx->agents.numbers())
    if (auto handle = env.ctx->agents.find(num))
      ask(self, handle, t);
  self
    ->request(env.local, status_timeout, atom::coordinate::value,
              atom::list::value, std::string{})
    .then(
      [self, t](std::vector<coordination_info>& xs) {
        for (auto& x : xs) {
          if (x.status != coord_status::forming
              && x.status != coord_status::active)
            continue;
          ++t->left;
          self
            ->request(self->state.env.local, status_timeout,
                      atom::coordinate::value, atom::get::value, x.id)
            .then(
              [self, t](coordination_ref& ref) {
                ask(self, ref.handle, t);
                t->one_less();
              },
              [t](caf::error&) { t->one_less(); });
        }
        t->one_less();
      },
      [t](caf::error&) { t->one_less(); });
}

/// Answers with the status of `who` at `v`, as JSON with the node's name.
template <class Handle>
void answer_with(self_ptr self, const Handle& who, status_verbosity v,
                 caf::typed_response_promise<std::string> rp) {
  auto node = self->state.env.ctx->node_name;
  self
    ->request(caf::actor_cast<status_actor>(who), status_timeout,
              atom::status::value, v)
    .then(
      [self, rp, node](caf::settings& xs) mutable {
        auto x = status_json(xs);
        x["node"] = node;
        rp.deliver(x.dump());
        self->quit();
      },
      [self, rp](caf::error& err) mutable {
        rp.deliver(std::move(err));
        self->quit();
      });
}

/// An agent or coordination of this node by `key`, else an error naming
/// what was looked for.
void inspect_domain(self_ptr self, const std::string& key, status_verbosity v,
                    caf::typed_response_promise<std::string> rp) {
  auto& env = self->state.env;
  self->request(env.local, status_timeout, atom::get::value, key)
    .then(
      [self, v, rp](agent_ref& ref) { answer_with(self, ref.handle, v, rp); },
      [self, key, v, rp](caf::error&) mutable {
        self
          ->request(self->state.env.local, status_timeout,
                    atom::coordinate::value, atom::get::value, key)
          .then(
            [self, v, rp](coordination_ref& ref) {
              answer_with(self, ref.handle, v, rp);
            },
            [self, key, rp](caf::error&) mutable {
              rp.deliver(make_error(ec::not_found,
                                    "no actor \"" + key + "\" on node \""
                                      + self->state.env.ctx->node_name + "\""));
              self->quit();
            });
      });
}

void inspect_one(self_ptr self, const std::string& key, status_verbosity v,
                 caf::typed_response_promise<std::string> rp) {
  // The node's own actors first, by id or kind; then its agents and
  // coordinations.
  auto actors = std::make_shared<std::vector<status_actor>>(
    fixed_actors(self->state.env));
  auto found = std::make_shared<status_actor>();
  auto t = std::make_shared<tally>();
  t->done = [self, key, v, rp, found](json) {
    if (*found)
      answer_with(self, *found, v, rp);
    else
      inspect_domain(self, key, v, rp);
  };
  for (auto& x : *actors) {
    ++t->left;
    self
      ->request(x, status_timeout, atom::status::value, status_verbosity::terse)
      .then(
        [t, x, key, found](caf::settings& xs) {
          if (!*found
              && (caf::get_or(xs, "id", std::string{}) == key
                  || caf::get_or(xs, "kind", std::string{}) == key))
            *found = x;
          t->one_less();
        },
        [t](caf::error&) { t->one_less(); });
  }
  t->one_less();
}

census_actor::behavior_type census(self_ptr self, gate_env env) {
  self->state.env = std::move(env);
  return {
    [=](actors_atom) -> caf::result<std::string> {
      auto rp = self->make_response_promise<std::string>();
      list_all(self, rp);
      return rp;
    },
    [=](inspect_atom, const std::string& key,
        bool verbose) -> caf::result<std::string> {
      auto rp = self->make_response_promise<std::string>();
      inspect_one(
        self, key,
        verbose ? status_verbosity::debug : status_verbosity::detailed, rp);
      return rp;
    },
  };
}

} // namespace

census_actor spawn_census(caf::actor_system& sys, gate_env env) {
  return sys.spawn(census, std::move(env));
}

} // namespace av::shell
