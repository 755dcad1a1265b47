#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>

#include "av/types.hpp"

/// The binary position frame of the WebSocket stream (docs/protocol.md):
/// little-endian, a 36-byte header followed by 28 bytes per agent.
namespace av::ws {

/// "AVPF" as it appears on the wire.
constexpr char frame_magic[4] = {'A', 'V', 'P', 'F'};

constexpr uint8_t frame_version = 1;

/// Flag bits of the header.
constexpr uint8_t frame_keyframe = 0x01;

constexpr size_t frame_header_bytes = 36;

constexpr size_t frame_record_bytes = 28;

/// Encodes every agent of `x`.
std::string encode_frame(const position_batch& x);

/// Encodes the agents of `x` that are in `visible`.
std::string encode_frame(const position_batch& x,
                         const std::unordered_set<num_id>& visible);

/// Decodes a frame; returns false for anything malformed (tests, tools).
bool decode_frame(std::string_view bytes, position_batch& out);

} // namespace av::ws
