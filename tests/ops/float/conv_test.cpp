// conv_test.cpp: conv1d/2d/3d and conv_transpose1d/2d/3d against PyTorch's golden outputs (every ISA level, 1 and
// 2 threads, contiguous and strided inputs), model-sized layers against a float64 direct convolution, and every
// bad input by message.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "common/golden.h"
#include "common/test_util.h"
#include "octet/octet.h"

namespace octet {
namespace {

// Same values, non-contiguous: dims reversed, made contiguous, reversed back.
Tensor strided_copy(const Tensor& t) {
  if (t.dim() < 2) {
    if (t.dim() == 0) return t;
    Tensor big = zeros({2 * t.size(0)});
    Tensor view = big.slice(0, 0, 2 * t.size(0), 2);
    view.copy_(t);
    return view;
  }
  Shape rev(static_cast<size_t>(t.dim()));
  for (int64_t i = 0; i < t.dim(); ++i) rev[static_cast<size_t>(i)] = t.dim() - 1 - i;
  return t.permute(rev).contiguous().permute(rev);
}

template <typename Body>
void on_every_level_and_thread_count(Body body) {
  const Isa saved_isa = max_isa();
  const int saved_threads = get_num_threads();
  for (Isa isa : {Isa::Ref, Isa::Avx2, Isa::Avx512}) {
    if (!isa_supported_by_hardware(isa) || isa > saved_isa) continue;
    set_max_isa(isa);
    for (int threads : {1, 2}) {
      set_num_threads(threads);
      body(std::string("isa ") + std::string(isa_name(isa)) + ", threads " + std::to_string(threads));
    }
  }
  set_max_isa(saved_isa);
  set_num_threads(saved_threads);
}

Shape shape_arg(const nlohmann::json& j) { return j.get<Shape>(); }

Tensor run_case(const test::GoldenCase& c, bool strided) {
  auto in = [&](int i) { return strided ? strided_copy(c.in(i)) : c.in(i); };
  const Tensor bias = c.has("in2") ? in(2) : Tensor();
  const auto& a = c.args;
  const Shape stride = shape_arg(a.at("stride")), dilation = shape_arg(a.at("dilation"));
  const int64_t groups = a.at("groups").get<int64_t>();
  if (c.op.rfind("conv_transpose", 0) == 0) {
    const Shape padding = shape_arg(a.at("padding")), output_padding = shape_arg(a.at("output_padding"));
    if (c.op == "conv_transpose1d") return F::conv_transpose1d(in(0), in(1), bias, stride, padding, output_padding, groups, dilation);
    if (c.op == "conv_transpose2d") return F::conv_transpose2d(in(0), in(1), bias, stride, padding, output_padding, groups, dilation);
    return F::conv_transpose3d(in(0), in(1), bias, stride, padding, output_padding, groups, dilation);
  }
  const F::ConvPadding padding = a.at("padding").is_string() ? F::ConvPadding(a.at("padding").get<std::string>())
                                                              : F::ConvPadding(shape_arg(a.at("padding")));
  if (c.op == "conv1d") return F::conv1d(in(0), in(1), bias, stride, padding, dilation, groups);
  if (c.op == "conv2d") return F::conv2d(in(0), in(1), bias, stride, padding, dilation, groups);
  return F::conv3d(in(0), in(1), bias, stride, padding, dilation, groups);
}

TEST(ConvGolden, MatchesPyTorch) {
  const test::GoldenFile golden("linear_conv");
  int count = 0;
  on_every_level_and_thread_count([&](const std::string& where) {
    for (const auto& c : golden.cases()) {
      if (c.op.rfind("conv", 0) != 0) continue;
      for (bool strided : {false, true}) {
        test::expect_close(run_case(c, strided), c.out(0), c.name + (strided ? " (strided)" : "") + ", " + where,
                           1e-5);
        ++count;
      }
    }
  });
  EXPECT_GT(count, 100);
}

// Direct convolution in float64 (NCHW, symmetric padding): the specification the fast paths answer to.
Tensor reference_conv2d(const Tensor& x, const Tensor& w, const Tensor& b, int64_t stride, int64_t pad,
                        int64_t groups) {
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  const int64_t Co = w.size(0), Cg = w.size(1), KH = w.size(2), KW = w.size(3);
  const int64_t OH = (H + 2 * pad - KH) / stride + 1, OW = (W + 2 * pad - KW) / stride + 1;
  const Tensor xd = x.to(kFloat64).contiguous(), wd = w.to(kFloat64).contiguous();
  const double* xp = xd.data_ptr<double>();
  const double* wp = wd.data_ptr<double>();
  Tensor out = zeros({N, Co, OH, OW}, kFloat64);
  double* op = out.data_ptr<double>();
  const int64_t cog = Co / groups;
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t co = 0; co < Co; ++co) {
      const int64_t grp = co / cog;
      for (int64_t oh = 0; oh < OH; ++oh) {
        for (int64_t ow = 0; ow < OW; ++ow) {
          double s = b.defined() ? b.at<double>({co}) : 0.0;
          for (int64_t c = 0; c < Cg; ++c) {
            for (int64_t kh = 0; kh < KH; ++kh) {
              const int64_t ih = oh * stride - pad + kh;
              if (ih < 0 || ih >= H) continue;
              for (int64_t kw = 0; kw < KW; ++kw) {
                const int64_t iw = ow * stride - pad + kw;
                if (iw < 0 || iw >= W) continue;
                s += xp[((n * C + grp * Cg + c) * H + ih) * W + iw] * wp[((co * Cg + c) * KH + kh) * KW + kw];
              }
            }
          }
          op[((n * Co + co) * OH + oh) * OW + ow] = s;
        }
      }
    }
  }
  return out;
}

// Layer shapes from ResNet-18 and MobileNetV2 (some channel counts trimmed to keep the float64
// reference quick), batch 1 and 2: each crosses the GEMM's K blocks, N blocks and thread splits,
// and the depthwise kernel's full-width rows.
TEST(Conv2d, ModelLayersMatchFloat64Reference) {
  const uint64_t seed = test::test_seed(31);
  Generator g(seed);
  struct Layer {
    int64_t N, C, H, Co, k, stride, groups;
  };
  const std::vector<Layer> layers = {
      {1, 3, 56, 16, 7, 2, 1},     // ResNet conv1, trimmed
      {1, 64, 14, 64, 3, 1, 1},    // ResNet layer1-like 3x3 (K = 576: two K blocks)
      {2, 32, 15, 48, 3, 2, 1},    // stride-2 3x3, batch 2
      {1, 128, 7, 100, 3, 1, 1},   // ResNet layer4-like: 49 positions, K = 1152
      {1, 512, 7, 20, 3, 1, 1},    // ResNet layer4's K = 4608 (12 K blocks), few output channels
      {1, 40, 28, 24, 1, 1, 1},    // MobileNetV2 projection 1x1
      {1, 24, 28, 96, 1, 2, 1},    // 1x1 stride 2 (ResNet downsample)
      {1, 32, 56, 32, 3, 1, 32},   // MobileNetV2 depthwise 3x3
      {2, 24, 29, 24, 3, 2, 24},   // depthwise stride 2, odd size, batch 2
      {1, 16, 20, 32, 3, 1, 4},    // grouped
  };
  on_every_level_and_thread_count([&](const std::string& where) {
    for (const Layer& l : layers) {
      const Tensor x = randn({l.N, l.C, l.H, l.H}, g);
      const Tensor w = randn({l.Co, l.C / l.groups, l.k, l.k}, g);
      const Tensor b = randn({l.Co}, g);
      const int64_t pad = l.k / 2;
      const Tensor y = F::conv2d(x, w, b, {l.stride, l.stride}, {pad, pad}, {1, 1}, l.groups);
      test::expect_close(y, reference_conv2d(x, w, b, l.stride, pad, l.groups),
                         "layer C " + std::to_string(l.C) + " H " + std::to_string(l.H) + " Co " + std::to_string(l.Co) +
                             " k " + std::to_string(l.k) + " s " + std::to_string(l.stride) + " g " +
                             std::to_string(l.groups) + ", " + where,
                         1e-5);
    }
  });
}

TEST(Conv2d, PaddingArgumentForms) {
  Generator g(8);
  const Tensor x = randn({1, 2, 6, 7}, g), w = randn({3, 2, 3, 3}, g);
  // A single value applies to every spatial dim; "same" at stride 1 keeps the size; "valid" is 0.
  test::expect_close(F::conv2d(x, w, {}, {1}, {1}), F::conv2d(x, w, {}, {1, 1}, {1, 1}), "single padding", 0);
  test::expect_close(F::conv2d(x, w, {}, {1, 1}, "same"), F::conv2d(x, w, {}, {1, 1}, {1, 1}), "same", 0);
  test::expect_close(F::conv2d(x, w, {}, {1, 1}, "valid"), F::conv2d(x, w), "valid", 0);
  const Shape pads = {0, 1};
  EXPECT_EQ(F::conv2d(x, w, {}, {1, 1}, pads).shape(), (Shape{1, 3, 4, 7}));
  EXPECT_EQ(F::conv2d(x, w, {}, {1, 1}, std::string("same")).shape(), (Shape{1, 3, 6, 7}));
  EXPECT_EQ(F::conv2d(zeros({0, 2, 6, 7}), w).shape(), (Shape{0, 3, 4, 5}));
}

TEST(ConvErrors, EveryBadInputNamesTheOpAndTheProblem) {
  Generator g(9);
  const Tensor x = randn({1, 4, 8, 8}, g), w = randn({6, 4, 3, 3}, g);
  EXPECT_OCTET_ERROR(F::conv2d(randn({4, 8}, g), w), "conv2d: expected a 3-D (unbatched) or 4-D (batched) input, got shape [4, 8]");
  EXPECT_OCTET_ERROR(F::conv2d(x, randn({6, 4, 3}, g)),
                     "conv2d: weight must be 4-D (out_channels, in_channels / groups, kH, kW), got shape [6, 4, 3]");
  EXPECT_OCTET_ERROR(F::conv2d(x, randn({6, 3, 3, 3}, g)),
                     "conv2d: input has 4 channels, but weight of shape [6, 3, 3, 3] with groups 1 expects 3");
  EXPECT_OCTET_ERROR(F::conv2d(x, randn({6, 2, 3, 3}, g), {}, {1, 1}, {0, 0}, {1, 1}, 4),
                     "conv2d: out_channels (weight.size(0) = 6) must be divisible by groups (4)");
  EXPECT_OCTET_ERROR(F::conv2d(x, randn({6, 1, 3, 3}, g), {}, {1, 1}, {0, 0}, {1, 1}, 3),
                     "conv2d: input has 4 channels, but weight of shape [6, 1, 3, 3] with groups 3 expects 3");
  EXPECT_OCTET_ERROR(F::conv2d(x, w, {}, {1, 1}, {0, 0}, {1, 1}, 0), "conv2d: groups must be >= 1, got 0");
  EXPECT_OCTET_ERROR(F::conv2d(x, w, randn({5}, g)), "conv2d: bias must have shape [6] (out_channels), got [5]");
  EXPECT_OCTET_ERROR(F::conv2d(x, w, {}, {1, 1}, "full"), "conv2d: padding must be \"same\", \"valid\" or sizes, got \"full\"");
  EXPECT_OCTET_ERROR(F::conv2d(x, w, {}, {2, 2}, "same"),
                     "conv2d: padding='same' is not supported for strided convolutions (stride [2, 2])");
  EXPECT_OCTET_ERROR(F::conv2d(x, w, {}, {1, 2, 3}), "conv2d: stride must have 1 or 2 values, got 3 ([1, 2, 3])");
  EXPECT_OCTET_ERROR(F::conv2d(x, w, {}, {0, 1}), "conv2d: stride must be > 0, got [0, 1]");
  EXPECT_OCTET_ERROR(F::conv2d(x, w, {}, {1, 1}, {-1, 0}), "conv2d: padding must be >= 0, got [-1, 0]");
  EXPECT_OCTET_ERROR(F::conv2d(x, w, {}, {1, 1}, {0, 0}, {1, 0}), "conv2d: dilation must be > 0, got [1, 0]");
  EXPECT_OCTET_ERROR(F::conv2d(x, randn({6, 4, 9, 3}, g)),
                     "conv2d: the dilated kernel (9) is larger than the padded input (8) in spatial dim 0");
  EXPECT_OCTET_ERROR(F::conv2d(x, w, {}, {1, 1}, {0, 0}, {4, 4}),
                     "conv2d: the dilated kernel (9) is larger than the padded input (8)");
  EXPECT_OCTET_ERROR(F::conv2d(x.to(kInt64), w), "conv2d: expected a float32 input, got int64");
  EXPECT_OCTET_ERROR(F::conv2d(x, w.to(kFloat64)), "conv2d: expected a float32 weight, got float64");
  EXPECT_OCTET_ERROR(F::conv2d(x, w, randn({6}, g).to(kInt32)), "conv2d: expected a float32 bias, got int32");
  EXPECT_OCTET_ERROR(F::conv2d(Tensor(), w), "conv2d: input is an undefined tensor");
  EXPECT_OCTET_ERROR(F::conv2d(x, randn({6, 4, 0, 3}, g)), "conv2d: kernel sizes must be >= 1");

  EXPECT_OCTET_ERROR(F::conv1d(randn({2, 3, 4, 5}, g), randn({2, 3, 3}, g)),
                     "conv1d: expected a 2-D (unbatched) or 3-D (batched) input, got shape [2, 3, 4, 5]");
  EXPECT_OCTET_ERROR(F::conv1d(randn({1, 3, 5}, g), randn({2, 3, 3, 3}, g)),
                     "conv1d: weight must be 3-D (out_channels, in_channels / groups, kW)");
  EXPECT_OCTET_ERROR(F::conv3d(randn({1, 3, 5, 5}, g), randn({2, 2, 3, 3, 3}, g)),
                     "conv3d: input has 1 channels, but weight of shape [2, 2, 3, 3, 3] with groups 1 expects 2");
  EXPECT_OCTET_ERROR(F::conv3d(randn({1, 2, 5, 5, 5}, g), randn({2, 2, 3, 3, 3}, g), {}, {1, 1, 2}, "same"),
                     "conv3d: padding='same' is not supported for strided convolutions");

  const Tensor wt = randn({4, 3, 3, 3}, g);
  EXPECT_OCTET_ERROR(F::conv_transpose2d(randn({1, 5, 6, 6}, g), wt),
                     "conv_transpose2d: input has 5 channels, but weight of shape [4, 3, 3, 3] expects 4");
  EXPECT_OCTET_ERROR(F::conv_transpose2d(x, wt, {}, {1, 1}, {0, 0}, {0, 0}, 3),
                     "conv_transpose2d: in_channels (4) must be divisible by groups (3)");
  EXPECT_OCTET_ERROR(F::conv_transpose2d(x, wt, {}, {2, 2}, {0, 0}, {2, 0}),
                     "conv_transpose2d: output_padding must be smaller than either stride or dilation, got output_padding [2, 0]");
  EXPECT_OCTET_ERROR(F::conv_transpose2d(x, wt, randn({4}, g)),
                     "conv_transpose2d: bias must have shape [3] (out_channels = weight.size(1) * groups), got [4]");
  EXPECT_OCTET_ERROR(F::conv_transpose2d(x, wt, {}, {1, 1}, {5, 5}),
                     "conv_transpose2d: the output size in spatial dim 0 would be 0");
  EXPECT_OCTET_ERROR(F::conv_transpose2d(x, randn({4, 3, 3}, g)),
                     "conv_transpose2d: weight must be 4-D (in_channels, out_channels / groups, kernel...), got shape [4, 3, 3]");
  EXPECT_OCTET_ERROR(F::conv_transpose1d(randn({5, 4}, g), randn({2, 3, 3}, g)),
                     "conv_transpose1d: input has 5 channels, but weight of shape [2, 3, 3] expects 2");
  EXPECT_OCTET_ERROR(F::conv_transpose3d(randn({4, 8, 8}, g), randn({4, 3, 3, 3, 3}, g)),
                     "conv_transpose3d: expected a 4-D (unbatched) or 5-D (batched) input, got shape [4, 8, 8]");
  EXPECT_OCTET_ERROR(F::conv_transpose2d(x, wt, {}, {0, 1}), "conv_transpose2d: stride must be > 0, got [0, 1]");
  EXPECT_OCTET_ERROR(F::conv_transpose2d(x.to(kFloat64), wt), "conv_transpose2d: expected a float32 input, got float64");
}

}  // namespace
}  // namespace octet
