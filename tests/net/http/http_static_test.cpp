#define CAF_SUITE net.http_static
#include "caf/test/unit_test.hpp"
#include "caf_checks.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "../api_fixture.hpp"

using namespace av;
using namespace av::test;
namespace fs = std::filesystem;

namespace {

/// A dashboard build in a scratch folder, removed afterwards.
struct web_dir {
  fs::path root;
  fs::path outside;

  web_dir() {
    char tmpl[] = "/tmp/av-web-XXXXXX";
    root = mkdtemp(tmpl);
    fs::create_directories(root / "dist" / "assets");
    write("dist/index.html", "<!doctype html><title>dash</title>");
    write("dist/assets/app-1a2b3c4d5e.js", "console.log(1)");
    write("dist/favicon.svg", "<svg/>");
    write("secret.txt", "outside");
    fs::create_symlink(root / "secret.txt", root / "dist" / "leak.txt");
  }

  ~web_dir() {
    std::error_code err;
    fs::remove_all(root, err);
  }

  void write(const std::string& rel, const std::string& text) {
    std::ofstream{root / rel} << text;
  }
};

config::settings with_root(const std::string& root) {
  auto cfg = test_settings();
  cfg.web_root = root;
  return cfg;
}

} // namespace

CAF_TEST(the dashboard is served with types and caching) {
  web_dir dir;
  api_fixture f{with_root((dir.root / "dist").string())};
  auto res = f.get("/");
  CAF_CHECK_EQUAL(res.status, 200);
  CAF_CHECK_EQUAL(res.body, "<!doctype html><title>dash</title>");
  CAF_CHECK_EQUAL(res.header("content-type"), "text/html; charset=utf-8");
  CAF_CHECK_EQUAL(res.header("cache-control"), "no-cache");
  res = f.get("/assets/app-1a2b3c4d5e.js");
  CAF_CHECK_EQUAL(res.status, 200);
  CAF_CHECK_EQUAL(res.header("content-type"), "text/javascript; charset=utf-8");
  CAF_CHECK_EQUAL(res.header("cache-control"),
                  "public, max-age=31536000, immutable");
  res = f.get("/favicon.svg");
  CAF_CHECK_EQUAL(res.header("content-type"), "image/svg+xml");
  CAF_CHECK_EQUAL(res.header("cache-control"), "no-cache");
  // Client-side routes of the dashboard get index.html.
  res = f.get("/agents/7");
  CAF_CHECK_EQUAL(res.status, 200);
  CAF_CHECK_EQUAL(res.header("content-type"), "text/html; charset=utf-8");
  CAF_CHECK_EQUAL(f.get("/missing.png").status, 404);
  // The API keeps its JSON answers.
  res = f.get("/api/nothing");
  CAF_CHECK_EQUAL(res.status, 404);
  CAF_CHECK_EQUAL(res.header("content-type"), "application/json");
}

CAF_TEST(paths out of the folder are refused) {
  web_dir dir;
  api_fixture f{with_root((dir.root / "dist").string())};
  for (auto target :
       {"/../secret.txt", "/%2e%2e/secret.txt", "/assets/..%2f..%2fsecret.txt",
        "/.hidden", "/assets/%2e%2e/%2e%2e/secret.txt"}) {
    auto res = f.get(target);
    CAF_CHECK_EQUAL(res.status, 400);
    CAF_CHECK(res.body.find("outside") == std::string::npos);
  }
  auto res = f.get("/leak.txt");
  CAF_CHECK_EQUAL(res.status, 404);
  CAF_CHECK(res.body.find("outside") == std::string::npos);
}

CAF_TEST(without a build the root says so) {
  api_fixture f{with_root("/nonexistent/av-web-dist")};
  auto res = f.get("/");
  CAF_CHECK_EQUAL(res.status, 200);
  CAF_CHECK_EQUAL(res.header("content-type"), "text/html; charset=utf-8");
  CAF_CHECK(res.body.find("not built") != std::string::npos);
  CAF_CHECK(res.body.find("/api/snapshot") != std::string::npos);
  CAF_CHECK_EQUAL(f.get("/app.js").status, 404);
}
