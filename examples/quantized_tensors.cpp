// quantized_tensors.cpp: PyTorch-style quantized tensors in C++ — quantize, inspect, view, dequantize.
//
// The same steps in PyTorch:
//   x = torch.randn(2, 3, 4)
//   q = torch.quantize_per_tensor(x, 0.05, 128, torch.quint8)
//   w = torch.quantize_per_channel(x, scales, zero_points, axis=1, dtype=torch.qint8)
#include <cstdio>
#include <iostream>

#include <octet/octet.h>

int main() {
  octet::Generator gen(/*seed=*/2024);
  octet::Tensor x = octet::randn({2, 3, 4}, gen);

  // Per-tensor: one scale and zero point for every element.
  octet::Tensor q = octet::quantize_per_tensor(x, /*scale=*/0.05, /*zero_point=*/128, octet::kQUInt8);
  std::cout << "per-tensor quantized:\n" << q << "\n\n";
  std::cout << "stored integers:\n" << q.int_repr() << "\n\n";

  // Qparams a PyTorch observer would choose for this data (MinMax, affine, quint8).
  float lo = x.at<float>({0, 0, 0}), hi = lo;
  for (int64_t i = 0; i < x.numel(); ++i) {
    const float v = x.flatten().at<float>({i});
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  const octet::QParams p = octet::choose_qparams(lo, hi, {.dtype = octet::kQUInt8, .qscheme = octet::kPerTensorAffine});
  std::printf("observer qparams for [%g, %g]: scale %.9g, zero_point %lld\n\n", lo, hi, p.scale,
              static_cast<long long>(p.zero_point));

  // Per-channel along axis 1: one (scale, zero point) per channel, as weights are quantized.
  octet::Tensor w = octet::quantize_per_channel(x, std::vector<double>{0.01, 0.02, 0.04},
                                                std::vector<int64_t>{0, 0, 0}, /*axis=*/1, octet::kQInt8);
  std::cout << "per-channel scales: " << w.q_per_channel_scales() << "\n";

  // Views keep their qparams: a permute moves the channel axis, a slice slices the scales.
  octet::Tensor v = w.permute({2, 0, 1}).slice(/*dim=*/2, /*start=*/1, /*end=*/3);
  std::cout << "after permute+slice: axis " << v.q_per_channel_axis() << ", scales " << v.q_per_channel_scales()
            << "\n";

  // Round trip error is at most half a quantization step inside the representable range.
  octet::Tensor back = q.dequantize();
  double max_err = 0;
  for (int64_t i = 0; i < x.numel(); ++i) {
    max_err = std::max(max_err, std::abs(static_cast<double>(back.flatten().at<float>({i}) - x.flatten().at<float>({i}))));
  }
  std::printf("max |dequantize(quantize(x)) - x| = %.4f (half a step: %.4f)\n", max_err, 0.05 / 2);

  // Misuse is a clear error, never a crash.
  try {
    octet::quantize_per_tensor(x, /*scale=*/0.0, 0, octet::kQUInt8);
  } catch (const octet::Error& e) {
    std::printf("error, as expected: %s\n", e.what());
  }
  return 0;
}
