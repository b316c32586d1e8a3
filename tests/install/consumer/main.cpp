// main.cpp: uses an installed Octet through <octet/octet.h>: quantize, dequantize, check, report.
#include <octet/octet.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

int main() {
  if (std::strcmp(octet::version(), OCTET_VERSION_STRING) != 0) {
    std::fprintf(stderr, "library version %s does not match header version %s\n", octet::version(),
                 OCTET_VERSION_STRING);
    return 1;
  }
  try {
    // Every value is a multiple of the scale within quint8's range, so the round trip is exact.
    const std::vector<float> values = {-1.0f, -0.5f, 0.0f, 0.25f, 1.0f, 2.5f};
    const octet::Tensor x = octet::from_vector(values);
    const octet::Tensor q = octet::quantize_per_tensor(x, /*scale=*/0.25, /*zero_point=*/8,
                                                       octet::kQUInt8);
    const octet::Tensor y = q.dequantize();
    for (int64_t i = 0; i < x.numel(); ++i) {
      const auto stored = q.int_repr().at<int64_t>({i});
      const auto expected_q = static_cast<int64_t>(std::lround(values[i] / 0.25f)) + 8;
      const float back = y.at<float>({i});
      if (stored != expected_q || back != values[i]) {
        std::fprintf(stderr, "element %lld: x=%g q=%lld (expected %lld) dequantized=%g\n",
                     static_cast<long long>(i), values[i], static_cast<long long>(stored),
                     static_cast<long long>(expected_q), back);
        return 1;
      }
    }
  } catch (const octet::Error& e) {
    std::fprintf(stderr, "octet error: %s\n", e.what());
    return 1;
  }
  std::printf("octet %s: quantize/dequantize round trip ok\n", octet::version());
  return 0;
}
