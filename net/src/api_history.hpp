#pragma once

#include "api.hpp"

namespace av::http {

/// GET /api/history/...: positions, metrics, messages and coordinations
/// from PostgreSQL (docs/api.md); 503 without DATABASE_URL.
void add_history_routes(router& r, const api_env& env);

} // namespace av::http
