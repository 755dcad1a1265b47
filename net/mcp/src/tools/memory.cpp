#include "av/error.hpp"
#include "tool.hpp"
#include "tool_schemas.hpp"

namespace av::mcp {

namespace {

namespace s = schemas;

json entry_json(const memory_entry& x) {
  return json{{"key", x.key},
              {"value", x.value},
              {"ttl", x.ttl_s},
              {"storedAt", x.stored_at_ms}};
}

json entries_json(const std::vector<memory_entry>& xs) {
  json result = json::array();
  for (auto& x : xs)
    result.push_back(entry_json(x));
  return result;
}

/// What each action needs besides the namespace.
const char* missing_argument(const json& args) {
  auto action = args["action"].get<std::string>();
  bool keyed = action == "store" || action == "retrieve" || action == "delete";
  if (keyed && !args.contains("key"))
    return "key";
  if (action == "store" && !args.contains("value"))
    return "value";
  if (action == "search" && !args.contains("pattern"))
    return "pattern";
  return nullptr;
}

/// A refusal by the store's rules is the caller's mistake (`invalid` in the
/// call metrics); a full or unreachable store is an error.
tool_result failed(const caf::error& err) {
  auto result = tool_result::from(err);
  if (code_of(err) == ec::invalid_argument)
    result.outcome = "invalid";
  return result;
}

tool_result run_action(memory_store& store, int64_t default_ttl,
                       const json& args) {
  auto action = args["action"].get<std::string>();
  auto ns = args["namespace"].get<std::string>();
  auto key = args.value("key", std::string{});
  auto limit = args["limit"].get<size_t>();
  json result{{"action", action}, {"namespace", ns}};
  if (action == "store") {
    auto ttl = args.value("ttl", default_ttl);
    if (auto err = store.store(ns, key, args["value"].get<std::string>(),
                               std::chrono::seconds{ttl}))
      return failed(err);
    result["stored"] = true;
    result["ttl"] = ttl;
  } else if (action == "retrieve") {
    auto x = store.retrieve(ns, key);
    if (!x)
      return failed(x.error());
    result["found"] = x->has_value();
    if (*x)
      result["entry"] = entry_json(**x);
  } else if (action == "delete") {
    auto x = store.remove(ns, key);
    if (!x)
      return failed(x.error());
    result["deleted"] = *x;
  } else {
    auto x = action == "list"
               ? store.list(ns, args.value("pattern", std::string{}), limit)
               : store.search(ns, args["pattern"].get<std::string>(), limit);
    if (!x)
      return failed(x.error());
    result["entries"] = entries_json(*x);
  }
  auto totals = store.totals();
  if (!totals)
    return failed(totals.error());
  result["totals"] = json{{"entries", totals->entries},
                          {"bytes", totals->bytes},
                          {"maxBytes", totals->max_bytes}};
  result["backend"] = store.backend();
  return tool_result::ok(std::move(result));
}

void memory_usage(const tool_env& env, const json& args, tool_done done) {
  if (auto name = missing_argument(args))
    return done(tool_result::fail(std::string{"arguments."} + name
                                    + ": required for action "
                                    + args["action"].get<std::string>(),
                                  "invalid"));
  auto store = env.memory;
  auto ttl = env.limits.ttl_s;
  // The in-process store answers at once; a networked one may block, so it
  // gets a thread of its own.
  if (store->backend() == "memory")
    return done(run_action(*store, ttl, args));
  env.api.sys->spawn<caf::detached>(
    [store, ttl, args, done] { done(run_action(*store, ttl, args)); });
}

} // namespace

void add_memory_tools(std::vector<tool>& out) {
  auto entry = s::output(json{{"key", s::type("string")},
                              {"value", s::type("string")},
                              {"ttl", s::type("integer")}},
                         {"key", "value"});
  out.push_back(
    {"memory_usage",
     "Shared memory: store, retrieve, list (key prefix), delete, search "
     "(glob on keys, else substring). TTL in seconds.",
     s::object(json{{"action", s::choice({"store", "retrieve", "list", "delete",
                                          "search"})},
                    {"namespace", s::text("namespace, [A-Za-z0-9_.-]", 128)},
                    {"key", s::text("key", 512)},
                    {"value", {{"type", "string"}, {"maxLength", 1 << 20}}},
                    {"ttl",
                     {{"type", "integer"},
                      {"minimum", 1},
                      {"maximum", 31622400},
                      {"description", "default 86400"}}},
                    {"pattern",
                     {{"type", "string"},
                      {"maxLength", 512},
                      {"description", "list: prefix; search: glob"}}},
                    {"limit", s::integer("rows", 1, 1000, 100)}},
               {"action"}),
     s::output(json{{"action", s::type("string")},
                    {"namespace", s::type("string")},
                    {"found", s::type("boolean")},
                    {"entry", entry},
                    {"entries", s::array_of(entry)},
                    {"totals", s::type("object")}},
               {"action", "namespace", "totals"}),
     true, memory_usage, false});
  out.back().input_schema["properties"]["namespace"]["default"] = "default";
}

} // namespace av::mcp
