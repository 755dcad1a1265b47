#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

/// The part of JSON Schema (2020-12) the tool schemas use: `type` (one name
/// or a list), `properties`, `required`, `additionalProperties: false`,
/// `enum`, `minimum`, `maximum`, `minLength`, `maxLength`, `minItems`,
/// `maxItems`, `items`. Other keywords are ignored, as for unknown
/// vocabularies.
namespace av::mcp::schema {

/// Returns nothing when `value` conforms, else the first problem as
/// `path: expected …` with a dotted path (`agents[2]`, `position.x`); the
/// path of the value itself is `root`.
std::optional<std::string> validate(const nlohmann::json& schema,
                                    const nlohmann::json& value,
                                    const std::string& root = "arguments");

/// Fills in `default` values of absent properties, recursively through
/// objects that are present.
void apply_defaults(const nlohmann::json& schema, nlohmann::json& value);

} // namespace av::mcp::schema
