#pragma once

#include <optional>
#include <string>
#include <vector>

#include "av/http/reply.hpp"

namespace av::http {

/// Serves the dashboard's built files (WEB_ROOT, `web/dist`) at `/`:
/// content types by extension, `index.html` revalidated on every load,
/// hashed assets cached for a year. Paths that leave the folder, through
/// `..` or a symbolic link, are refused. Without the folder, `/` answers a
/// small page saying the dashboard is not built.
class static_files {
public:
  explicit static_files(std::string root);

  /// The answer to `GET` of the decoded path segments; none when the path
  /// names no file and is no client-side route of the dashboard.
  std::optional<reply> get(const std::vector<std::string>& path) const;

  /// `Content-Type` for a file name.
  static std::string content_type(const std::string& name);

  /// `Cache-Control` for a file at these path segments.
  static std::string cache_control(const std::vector<std::string>& path);

private:
  std::string root_;
};

} // namespace av::http
