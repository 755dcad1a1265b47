#include "av/mcp/neural.hpp"
#include "tool.hpp"
#include "tool_schemas.hpp"

namespace av::mcp {

namespace {

namespace s = schemas;

void neural_train(const tool_env& env, const json& args, tool_done done) {
  neural::options opt;
  opt.epochs = args["epochs"].get<uint32_t>();
  opt.clusters = args["k"].get<uint32_t>();
  opt.test_fraction = args["testFraction"].get<double>();
  opt.seed = args["seed"].get<uint64_t>();
  opt.task_kind = args.value("taskKind", std::string{});
  auto model = args["model"].get<std::string>();
  auto log = env.training;
  // Training takes milliseconds to a second: off the caller's thread, on a
  // thread of its own, so the scheduler's workers keep serving.
  env.api.sys->spawn<caf::detached>([log, model, opt, done] {
    auto res = model == "decision" ? neural::train_decision(log->records(), opt)
               : model == "pattern"
                 ? neural::train_pattern(log->samples(), log->types(), opt)
                 : neural::train_optimization(log->records(), opt);
    if (!res)
      return done(tool_result::fail(res.error()));
    done(tool_result::ok(*res));
  });
}

} // namespace

void add_neural_tools(std::vector<tool>& out) {
  out.push_back(
    {"neural_train",
     "Train on recorded history. decision: P(task success | agent type, "
     "metrics) by logistic regression; pattern: k-means clusters of agents; "
     "optimization: best agent type/agent per task kind. Reports held-out "
     "quality.",
     s::object(
       json{{"model", s::choice({"decision", "pattern", "optimization"})},
            {"epochs", s::integer("iterations", 1, 5000, 200)},
            {"k", s::integer("pattern: clusters", 2, 10, 3)},
            {"testFraction",
             {{"type", "number"},
              {"minimum", 0.1},
              {"maximum", 0.5},
              {"default", 0.2}}},
            {"seed", s::integer("split seed", 0, 1 << 30, 42)},
            {"taskKind", s::text("optimization: one kind", 50)}},
       {"model"}),
     s::output(json{{"model", s::type("string")},
                    {"samples", s::type("object")},
                    {"quality", s::type("object")},
                    {"result", s::type("object")}},
               {"model", "samples", "quality", "result"}),
     false, neural_train});
}

} // namespace av::mcp
