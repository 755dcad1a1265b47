#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>

#include "av/types.hpp"

/// The binary position frame of the WebSocket stream (docs/protocol.md):
/// little-endian, a 36-byte header followed by 28 bytes per agent, or in
/// the quantized form a 44-byte header (two scales) and 16 bytes per agent.
namespace av::ws {

/// "AVPF" as it appears on the wire.
constexpr char frame_magic[4] = {'A', 'V', 'P', 'F'};

constexpr uint8_t frame_version = 1;

/// Flag bits of the header.
constexpr uint8_t frame_keyframe = 0x01;
constexpr uint8_t frame_quantized = 0x02;

constexpr size_t frame_header_bytes = 36;

constexpr size_t frame_record_bytes = 28;

/// The quantized header ends with the position and velocity scales.
constexpr size_t quantized_header_bytes = 44;

constexpr size_t quantized_record_bytes = 16;

/// Largest magnitude of a quantized component: the range is symmetric, so
/// -32768 is never written.
constexpr int16_t quantized_max = 32767;

/// How a viewer wants its frames: 32-bit floats, or 16-bit integers times a
/// per-part scale (less than 60 % of the bytes).
enum class frame_format : uint8_t { float32, quantized };

/// Number of frame formats, for arrays indexed by format.
constexpr size_t frame_formats = 2;

/// Every format, in index order.
constexpr std::array<frame_format, frame_formats> all_frame_formats{
  frame_format::float32, frame_format::quantized};

/// The name used in `subscribe`: "float" or "quantized".
const char* to_string(frame_format x);

/// Parses a format name; false for anything else.
bool parse(std::string_view str, frame_format& out);

/// The scales of a quantized frame: a component is its integer times the
/// scale. Both 0 for a float frame.
struct frame_scales {
  float position = 0;
  float velocity = 0;
};

/// The scale that maps the largest finite magnitude `max_abs` to
/// `quantized_max`; positive and finite for every input, 1 when there is
/// nothing to scale.
float quantized_scale(float max_abs);

/// Encodes every agent of `x`.
std::string encode_frame(const position_batch& x,
                         frame_format format = frame_format::float32);

/// Encodes the agents of `x` that are in `visible`.
std::string encode_frame(const position_batch& x,
                         const std::unordered_set<num_id>& visible,
                         frame_format format = frame_format::float32);

/// Decodes a frame of either form (quantized values are multiplied out);
/// returns false for anything malformed (tests, tools). Fills `scales`
/// when given.
bool decode_frame(std::string_view bytes, position_batch& out,
                  frame_scales* scales = nullptr);

} // namespace av::ws
