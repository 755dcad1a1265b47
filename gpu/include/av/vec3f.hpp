#pragma once

namespace av {

/// A point or a velocity in layout space: what the engine computes and what
/// the actors send. It lives in `av`, not `av::layout`, so that the
/// serializers the actors and the API define next to their own types (CAF's
/// `inspect`, JSON's `to_json`) are found for it by argument lookup.
struct vec3f {
  float x = 0;
  float y = 0;
  float z = 0;
};

} // namespace av
