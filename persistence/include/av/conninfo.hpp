#pragma once

#include <string>

#include "av/base/connection_url.hpp"

namespace av::persistence {

/// The libpq keyword form (`host=... port=... dbname=...`) of a parsed
/// PostgreSQL URL, values quoted as libpq wants them. Contains the password:
/// never log it.
std::string to_conninfo(const connection_url& url);

/// The same server and credentials with another database.
std::string to_conninfo(connection_url url, const std::string& database);

} // namespace av::persistence
