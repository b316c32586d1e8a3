// pixelshuffle.cpp: PixelShuffle and PixelUnshuffle.
#include "octet/nn/pixelshuffle.h"

#include "octet/error.h"
#include "octet/functional/shape.h"

namespace octet::nn {

PixelShuffle::PixelShuffle(int64_t upscale_factor) : upscale_factor_(upscale_factor) {
  OCTET_CHECK(upscale_factor > 0, "PixelShuffle", "upscale_factor must be > 0, got ", upscale_factor);
}

Tensor PixelShuffle::forward(const Tensor& input) {
  OCTET_CHECK(input.defined(), "PixelShuffle", "the input is undefined");
  OCTET_CHECK(input.dim() >= 3, "PixelShuffle", "expected an input of at least 3 dims (*, C, H, W), got shape ",
              shape_to_string(input.shape()));
  const int64_t r2 = upscale_factor_ * upscale_factor_;
  OCTET_CHECK(input.size(-3) % r2 == 0, "PixelShuffle", "the channel dim (", input.size(-3),
              ") must be divisible by upscale_factor^2 = ", r2, ", got input of shape ", shape_to_string(input.shape()));
  return functional::pixel_shuffle(input, upscale_factor_);
}

std::string PixelShuffle::extra_repr() const { return "upscale_factor=" + std::to_string(upscale_factor_); }

PixelUnshuffle::PixelUnshuffle(int64_t downscale_factor) : downscale_factor_(downscale_factor) {
  OCTET_CHECK(downscale_factor > 0, "PixelUnshuffle", "downscale_factor must be > 0, got ", downscale_factor);
}

Tensor PixelUnshuffle::forward(const Tensor& input) {
  OCTET_CHECK(input.defined(), "PixelUnshuffle", "the input is undefined");
  OCTET_CHECK(input.dim() >= 3, "PixelUnshuffle", "expected an input of at least 3 dims (*, C, H, W), got shape ",
              shape_to_string(input.shape()));
  const int64_t r = downscale_factor_;
  OCTET_CHECK(input.size(-2) % r == 0 && input.size(-1) % r == 0, "PixelUnshuffle", "the height and width (",
              input.size(-2), ", ", input.size(-1), ") must be divisible by downscale_factor = ", r,
              ", got input of shape ", shape_to_string(input.shape()));
  return functional::pixel_unshuffle(input, downscale_factor_);
}

std::string PixelUnshuffle::extra_repr() const { return "downscale_factor=" + std::to_string(downscale_factor_); }

}  // namespace octet::nn
