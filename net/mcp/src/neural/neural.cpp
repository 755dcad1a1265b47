#include "av/mcp/neural.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <random>

namespace av::mcp::neural {

namespace {

using json = nlohmann::json;

/// Indexes of `n` rows, shuffled by `seed`, split into train and test.
std::pair<std::vector<size_t>, std::vector<size_t>>
split(size_t n, double test_fraction, uint64_t seed) {
  std::vector<size_t> idx(n);
  std::iota(idx.begin(), idx.end(), 0);
  std::mt19937_64 rng{seed};
  std::shuffle(idx.begin(), idx.end(), rng);
  auto test
    = std::max<size_t>(1, static_cast<size_t>(std::lround(n * test_fraction)));
  return {{idx.begin() + test, idx.end()}, {idx.begin(), idx.begin() + test}};
}

double sigmoid(double z) {
  return 1.0 / (1.0 + std::exp(-z));
}

/// Mean and standard deviation of each column over `rows`.
struct scaler {
  std::vector<double> mean, sd;

  scaler(const std::vector<std::vector<double>>& rows,
         const std::vector<size_t>& use) {
    auto dims = rows.front().size();
    mean.assign(dims, 0);
    sd.assign(dims, 0);
    for (auto i : use)
      for (size_t d = 0; d < dims; ++d)
        mean[d] += rows[i][d] / use.size();
    for (auto i : use)
      for (size_t d = 0; d < dims; ++d)
        sd[d] += std::pow(rows[i][d] - mean[d], 2) / use.size();
    for (auto& x : sd)
      x = x > 1e-12 ? std::sqrt(x) : 1.0;
  }

  std::vector<double> apply(const std::vector<double>& x) const {
    std::vector<double> result(x.size());
    for (size_t d = 0; d < x.size(); ++d)
      result[d] = (x[d] - mean[d]) / sd[d];
    return result;
  }
};

const char* metric_names[]
  = {"successRate", "logResponseMs", "utilization", "logTasksCompleted"};

std::vector<double> metric_features(const metrics_sample& m) {
  return {m.success_rate, std::log1p(m.avg_response_ms), m.resource_utilization,
          std::log1p(m.tasks_completed)};
}

double round4(double x) {
  return std::round(x * 1e4) / 1e4;
}

} // namespace

parsed<json> train_decision(const std::vector<task_record>& rows,
                            const options& opt) {
  size_t wins = 0;
  for (auto& r : rows)
    wins += r.success;
  if (rows.size() < min_tasks || wins == 0 || wins == rows.size())
    return parse_error{
      "decision: needs at least " + std::to_string(min_tasks)
      + " finished tasks with both outcomes; the node has recorded "
      + std::to_string(rows.size()) + " (" + std::to_string(wins)
      + " succeeded)"};
  auto [train, test] = split(rows.size(), opt.test_fraction, opt.seed);
  std::vector<std::string> types;
  for (auto i : train)
    if (std::find(types.begin(), types.end(), rows[i].type) == types.end())
      types.push_back(rows[i].type);
  std::sort(types.begin(), types.end());
  // Metrics are standardised; each type is a 0/1 column.
  std::vector<std::vector<double>> raw;
  for (auto& r : rows)
    raw.push_back(metric_features(r.metrics));
  scaler scale{raw, train};
  auto features = [&](size_t i) {
    auto x = scale.apply(raw[i]);
    for (auto& t : types)
      x.push_back(rows[i].type == t ? 1.0 : 0.0);
    return x;
  };
  auto dims = std::size(metric_names) + types.size();
  std::vector<double> w(dims, 0.0);
  double bias = 0;
  constexpr double rate = 0.5;
  constexpr double l2 = 1e-3;
  for (uint32_t epoch = 0; epoch < opt.epochs; ++epoch) {
    std::vector<double> grad(dims, 0.0);
    double grad_bias = 0;
    for (auto i : train) {
      auto x = features(i);
      auto err
        = sigmoid(bias + std::inner_product(x.begin(), x.end(), w.begin(), 0.0))
          - (rows[i].success ? 1.0 : 0.0);
      for (size_t d = 0; d < dims; ++d)
        grad[d] += err * x[d] / train.size();
      grad_bias += err / train.size();
    }
    for (size_t d = 0; d < dims; ++d)
      w[d] -= rate * (grad[d] + l2 * w[d]);
    bias -= rate * grad_bias;
  }
  size_t train_wins = 0;
  for (auto i : train)
    train_wins += rows[i].success;
  bool majority = train_wins * 2 >= train.size();
  size_t correct = 0, baseline = 0;
  double loss = 0;
  for (auto i : test) {
    auto x = features(i);
    auto p
      = sigmoid(bias + std::inner_product(x.begin(), x.end(), w.begin(), 0.0));
    bool y = rows[i].success;
    correct += (p >= 0.5) == y;
    baseline += majority == y;
    loss -= std::log(std::clamp(y ? p : 1 - p, 1e-9, 1.0));
  }
  json weights{{"bias", round4(bias)}};
  for (size_t d = 0; d < std::size(metric_names); ++d)
    weights[metric_names[d]] = round4(w[d]);
  for (size_t t = 0; t < types.size(); ++t)
    weights["type:" + types[t]] = round4(w[std::size(metric_names) + t]);
  json by_type = json::object();
  for (size_t t = 0; t < types.size(); ++t)
    // At the average metrics every standardised column is 0.
    by_type[types[t]] = round4(sigmoid(bias + w[std::size(metric_names) + t]));
  return json{
    {"model", "decision"},
    {"samples", {{"train", train.size()}, {"test", test.size()}}},
    {"quality",
     {{"metric", "accuracy"},
      {"value", round4(double(correct) / test.size())},
      {"baseline", round4(double(baseline) / test.size())},
      {"logLoss", round4(loss / test.size())}}},
    {"result",
     {{"weights", weights}, {"successProbabilityAtMeanMetrics", by_type}}}};
}

parsed<json> train_pattern(
  const std::unordered_map<num_id, std::vector<metrics_sample>>& samples,
  const std::unordered_map<num_id, std::string>& types, const options& opt) {
  std::vector<num_id> agents;
  std::vector<std::vector<double>> raw;
  for (auto& [num, xs] : samples) {
    if (xs.empty())
      continue;
    std::vector<double> mean(std::size(metric_names), 0.0);
    for (auto& s : xs) {
      auto f = metric_features(s);
      for (size_t d = 0; d < f.size(); ++d)
        mean[d] += f[d] / xs.size();
    }
    agents.push_back(num);
    raw.push_back(std::move(mean));
  }
  auto k = opt.clusters;
  if (agents.size() < 2 * k + 1)
    return parse_error{"pattern: needs metrics from at least "
                       + std::to_string(2 * k + 1) + " agents for "
                       + std::to_string(k) + " clusters; the node has them for "
                       + std::to_string(agents.size())};
  // Stable order, so a seed gives the same clusters every time.
  std::vector<size_t> order(agents.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return agents[a] < agents[b]; });
  {
    std::vector<num_id> a2;
    std::vector<std::vector<double>> r2;
    for (auto i : order) {
      a2.push_back(agents[i]);
      r2.push_back(raw[i]);
    }
    agents.swap(a2);
    raw.swap(r2);
  }
  auto [train, test] = split(agents.size(), opt.test_fraction, opt.seed);
  scaler scale{raw, train};
  std::vector<std::vector<double>> x;
  for (auto& r : raw)
    x.push_back(scale.apply(r));
  auto dist = [](const std::vector<double>& a, const std::vector<double>& b) {
    double s = 0;
    for (size_t d = 0; d < a.size(); ++d)
      s += (a[d] - b[d]) * (a[d] - b[d]);
    return s;
  };
  auto nearest = [&](const std::vector<std::vector<double>>& c,
                     const std::vector<double>& p) {
    size_t best = 0;
    for (size_t j = 1; j < c.size(); ++j)
      if (dist(p, c[j]) < dist(p, c[best]))
        best = j;
    return best;
  };
  // k-means++ seeding on the training agents.
  std::mt19937_64 rng{opt.seed};
  std::vector<std::vector<double>> centers{
    x[train[std::uniform_int_distribution<size_t>(0, train.size() - 1)(rng)]]};
  while (centers.size() < k) {
    std::vector<double> weight;
    for (auto i : train)
      weight.push_back(dist(x[i], centers[nearest(centers, x[i])]));
    std::discrete_distribution<size_t> pick(weight.begin(), weight.end());
    centers.push_back(x[train[pick(rng)]]);
  }
  for (uint32_t it = 0; it < opt.epochs; ++it) {
    std::vector<std::vector<double>> sum(k, std::vector<double>(4, 0.0));
    std::vector<size_t> count(k, 0);
    for (auto i : train) {
      auto c = nearest(centers, x[i]);
      ++count[c];
      for (size_t d = 0; d < 4; ++d)
        sum[c][d] += x[i][d];
    }
    bool moved = false;
    for (size_t c = 0; c < k; ++c) {
      if (count[c] == 0)
        continue;
      for (size_t d = 0; d < 4; ++d) {
        auto v = sum[c][d] / count[c];
        moved = moved || std::fabs(v - centers[c][d]) > 1e-9;
        centers[c][d] = v;
      }
    }
    if (!moved)
      break;
  }
  // Held-out quality: share of the variance the clusters explain.
  auto explained = [&](const std::vector<size_t>& use) {
    double sse = 0, sst = 0;
    std::vector<double> origin(4, 0.0);
    for (auto i : use) {
      sse += dist(x[i], centers[nearest(centers, x[i])]);
      sst += dist(x[i], origin);
    }
    return sst > 0 ? 1 - sse / sst : 0.0;
  };
  json clusters = json::array();
  for (size_t c = 0; c < k; ++c) {
    json members = json::array();
    json by_type = json::object();
    std::vector<double> mean(4, 0.0);
    size_t n = 0;
    for (size_t i = 0; i < agents.size(); ++i) {
      if (nearest(centers, x[i]) != c)
        continue;
      members.push_back(agents[i]);
      auto t = types.count(agents[i]) ? types.at(agents[i]) : "unknown";
      by_type[t] = by_type.value(t, 0) + 1;
      for (size_t d = 0; d < 4; ++d)
        mean[d] += raw[i][d];
      ++n;
    }
    json centroid = json::object();
    if (n > 0) {
      centroid = json{{"successRate", round4(mean[0] / n)},
                      {"averageResponseTime", round4(std::expm1(mean[1] / n))},
                      {"resourceUtilization", round4(mean[2] / n)},
                      {"tasksCompleted", round4(std::expm1(mean[3] / n))}};
    }
    clusters.push_back(json{{"cluster", c},
                            {"size", n},
                            {"centroid", centroid},
                            {"types", by_type},
                            {"members", members}});
  }
  return json{{"model", "pattern"},
              {"samples", {{"train", train.size()}, {"test", test.size()}}},
              {"quality",
               {{"metric", "explainedVariance"},
                {"value", round4(explained(test))},
                {"baseline", 0},
                {"train", round4(explained(train))}}},
              {"result", {{"clusters", clusters}}}};
}

parsed<json> train_optimization(const std::vector<task_record>& all,
                                const options& opt) {
  std::vector<task_record> rows;
  for (auto& r : all)
    if (opt.task_kind.empty() || r.task_kind == opt.task_kind)
      rows.push_back(r);
  if (rows.size() < min_tasks)
    return parse_error{
      "optimization: needs at least " + std::to_string(min_tasks)
      + " finished tasks"
      + (opt.task_kind.empty() ? std::string{} : " of kind " + opt.task_kind)
      + "; the node has recorded " + std::to_string(rows.size())};
  auto [train, test] = split(rows.size(), opt.test_fraction, opt.seed);
  struct tally {
    double wins = 0, n = 0, ms = 0;
    double score() const { return (wins + 1) / (n + 2); }
    double mean_ms() const { return n > 0 ? ms / n : 0; }
  };
  std::map<std::string, std::map<std::string, tally>> by_type, by_agent;
  for (auto i : train) {
    auto& r = rows[i];
    for (auto* t : {&by_type[r.task_kind][r.type],
                    &by_agent[r.task_kind][std::to_string(r.agent)]}) {
      t->wins += r.success;
      t->n += 1;
      t->ms += r.duration_ms;
    }
  }
  auto rank = [](const std::map<std::string, tally>& xs) {
    std::vector<std::pair<std::string, tally>> v(xs.begin(), xs.end());
    std::sort(v.begin(), v.end(), [](auto& a, auto& b) {
      if (a.second.score() != b.second.score())
        return a.second.score() > b.second.score();
      return a.second.mean_ms() < b.second.mean_ms();
    });
    json out = json::array();
    for (auto& [name, t] : v)
      out.push_back(json{{"name", name},
                         {"successRate", round4(t.wins / t.n)},
                         {"score", round4(t.score())},
                         {"meanDurationMs", round4(t.mean_ms())},
                         {"tasks", t.n}});
    return out;
  };
  json kinds = json::object();
  std::map<std::string, std::string> best_type;
  for (auto& [kind, types] : by_type) {
    auto ranked_types = rank(types);
    best_type[kind] = ranked_types[0]["name"];
    kinds[kind] = json{{"preferType", ranked_types[0]["name"]},
                       {"preferAgent", rank(by_agent[kind])[0]["name"]},
                       {"types", ranked_types},
                       {"agents", rank(by_agent[kind])}};
  }
  // Held out: how the recommended type did against all tasks.
  double wins = 0, picked = 0, picked_wins = 0;
  for (auto i : test) {
    auto& r = rows[i];
    wins += r.success;
    auto b = best_type.find(r.task_kind);
    if (b != best_type.end() && b->second == r.type) {
      picked += 1;
      picked_wins += r.success;
    }
  }
  json value = picked > 0 ? json(round4(picked_wins / picked)) : json(nullptr);
  return json{{"model", "optimization"},
              {"samples", {{"train", train.size()}, {"test", test.size()}}},
              {"quality",
               {{"metric", "recommendedSuccessRate"},
                {"value", value},
                {"baseline", round4(wins / test.size())},
                {"testTasksOfRecommended", picked}}},
              {"result", {{"kinds", kinds}}}};
}

} // namespace av::mcp::neural
