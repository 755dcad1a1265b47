#pragma once

#include <nlohmann/json.hpp>

#include "av/types.hpp"

namespace av {

/// The JSON form of an event on the WebSocket stream:
/// `{"seq", "time", "type": "agent.spawned", "data": {...}}` with the
/// payload's fields in camelCase (docs/protocol.md lists them).
nlohmann::json event_json(const event& x);

} // namespace av
