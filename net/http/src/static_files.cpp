#include "av/http/static_files.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>

#include "av/http/api_error.hpp"

namespace av::http {

namespace {

namespace fs = std::filesystem;

/// Larger files are not the dashboard's; refusing them bounds memory.
constexpr std::uintmax_t max_file_bytes = 64 * 1024 * 1024;

const char* not_built_page = R"(<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Agent Visualizer</title></head>
<body>
<h1>Agent Visualizer</h1>
<p>The dashboard is not built: there is no <code>web/dist</code> folder
(WEB_ROOT). The node runs; its state is at
<a href="/api/snapshot">/api/snapshot</a> and its health at
<a href="/health">/health</a>.</p>
</body>
</html>
)";

reply error(status code, const char* name, std::string message) {
  api_error err;
  err.code = code;
  err.name = name;
  err.message = std::move(message);
  return to_reply(err);
}

reply missing() {
  return error(status::not_found, "not_found", "no such file");
}

std::string extension(const std::string& name) {
  auto dot = name.find_last_of('.');
  if (dot == std::string::npos)
    return {};
  auto result = name.substr(dot + 1);
  std::transform(result.begin(), result.end(), result.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return result;
}

/// Bundlers name assets `name-<hash>.ext` or `name.<hash>.ext`, the hash
/// of at least 8 letters and digits.
bool looks_hashed(const std::string& name) {
  auto dot = name.find_last_of('.');
  if (dot == std::string::npos || dot == 0)
    return false;
  auto stem = name.substr(0, dot);
  auto sep = stem.find_last_of("-.");
  if (sep == std::string::npos)
    return false;
  auto hash = stem.substr(sep + 1);
  return hash.size() >= 8
         && std::all_of(hash.begin(), hash.end(), [](unsigned char c) {
              return std::isalnum(c) || c == '_';
            });
}

reply file_reply(const fs::path& file, const std::vector<std::string>& path) {
  std::error_code err;
  auto size = fs::file_size(file, err);
  if (err || size > max_file_bytes)
    return missing();
  std::ifstream in{file, std::ios::binary};
  if (!in)
    return missing();
  reply result;
  result.code = status::ok;
  result.body.assign(std::istreambuf_iterator<char>{in}, {});
  auto name = path.empty() ? std::string{"index.html"} : path.back();
  result.headers.emplace_back("Content-Type", static_files::content_type(name));
  result.headers.emplace_back("Cache-Control",
                              static_files::cache_control(path));
  return result;
}

} // namespace

static_files::static_files(std::string root) : root_(std::move(root)) {
  // nop
}

std::string static_files::content_type(const std::string& name) {
  static const std::pair<const char*, const char*> types[] = {
    {"html", "text/html; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"json", "application/json"},
    {"map", "application/json"},
    {"webmanifest", "application/manifest+json"},
    {"svg", "image/svg+xml"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"webp", "image/webp"},
    {"ico", "image/x-icon"},
    {"woff", "font/woff"},
    {"woff2", "font/woff2"},
    {"ttf", "font/ttf"},
    {"wasm", "application/wasm"},
    {"txt", "text/plain; charset=utf-8"},
    {"glb", "model/gltf-binary"},
    {"gltf", "model/gltf+json"},
  };
  auto ext = extension(name);
  for (auto& [key, type] : types)
    if (ext == key)
      return type;
  return "application/octet-stream";
}

std::string static_files::cache_control(const std::vector<std::string>& path) {
  if (!path.empty() && path.back() != "index.html"
      && (looks_hashed(path.back()) || path.front() == "assets"))
    return "public, max-age=31536000, immutable";
  // index.html and unhashed files: revalidate, so a new build shows at once.
  return "no-cache";
}

std::optional<reply>
static_files::get(const std::vector<std::string>& path) const {
  for (auto& seg : path)
    if (seg.empty() || seg == "." || seg == ".." || seg.front() == '.'
        || seg.find_first_of("/\\") != std::string::npos)
      return error(status::bad_request, "bad_request",
                   "path segments may not be empty or start with a dot");
  std::error_code err;
  auto root = fs::canonical(root_, err);
  if (err || !fs::is_directory(root, err)) {
    if (!path.empty())
      return std::nullopt;
    reply result;
    result.body = not_built_page;
    result.headers.emplace_back("Content-Type", "text/html; charset=utf-8");
    result.headers.emplace_back("Cache-Control", "no-cache");
    return result;
  }
  auto file = root;
  for (auto& seg : path)
    file /= seg;
  if (path.empty())
    file /= "index.html";
  auto real = fs::weakly_canonical(file, err);
  // A symbolic link may point out of the folder.
  auto inside
    = !err
      && std::mismatch(root.begin(), root.end(), real.begin(), real.end()).first
           == root.end();
  if (!inside)
    return missing();
  if (fs::is_regular_file(real, err))
    return file_reply(real, path);
  // A path without an extension is a route of the dashboard itself.
  if (!path.empty() && extension(path.back()).empty()) {
    auto index = root / "index.html";
    if (fs::is_regular_file(index, err))
      return file_reply(index, {});
  }
  return std::nullopt;
}

} // namespace av::http
