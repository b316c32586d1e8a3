// padding_test.cpp: nn's padding modules against PyTorch goldens, printing and errors.
#include <gtest/gtest.h>

#include "common/test_util.h"
#include "nn/layer_golden.h"
#include "octet/octet.h"

namespace octet::nn {
namespace {

using test::LayerCase;

template <typename M, typename... Args>
LayerCase make(Args... args) {
  return {[=] { return std::make_shared<M>(args...); }};
}

TEST(NnPadding, MatchesPyTorchGoldens) {
  test::run_layer_goldens(
      {"ZeroPad2d", "ConstantPad1d", "ConstantPad2d", "ConstantPad3d", "ReflectionPad1d", "ReflectionPad2d",
       "ReflectionPad3d", "ReplicationPad1d", "ReplicationPad2d", "ReplicationPad3d", "CircularPad1d", "CircularPad2d",
       "CircularPad3d", "ZeroPad1d", "ZeroPad3d"},
      {
          {"zeropad2d", make<ZeroPad2d>(Shape{1, 2, 0, 3})},
          {"zeropad2d_int", make<ZeroPad2d>(Shape{1})},
          {"zeropad1d", make<ZeroPad1d>(Shape{2, 1})},
          {"zeropad3d", make<ZeroPad3d>(Shape{1})},
          {"constpad1d", make<ConstantPad1d>(Shape{2}, 3.5)},
          {"constpad2d", make<ConstantPad2d>(Shape{1, 0, 2, 1}, -1.25)},
          {"constpad3d", make<ConstantPad3d>(Shape{1}, 0.5)},
          {"reflpad1d", make<ReflectionPad1d>(Shape{1, 2})},
          {"reflpad2d", make<ReflectionPad2d>(Shape{2})},
          {"reflpad3d", make<ReflectionPad3d>(Shape{1, 0, 1, 2, 0, 1})},
          {"reppad1d", make<ReplicationPad1d>(Shape{3, 1})},
          {"reppad2d", make<ReplicationPad2d>(Shape{1, 2, 2, 1})},
          {"reppad3d", make<ReplicationPad3d>(Shape{1})},
          {"circpad1d", make<CircularPad1d>(Shape{2, 1})},
          {"circpad2d", make<CircularPad2d>(Shape{1, 2, 0, 1})},
          {"circpad3d", make<CircularPad3d>(Shape{1})},
      });
}

TEST(NnPadding, NegativeConstantPaddingCropsAndCloneKeepsState) {
  Generator g(test::test_seed(8));
  const Tensor x = randn({2, 3, 5}, g);
  ConstantPad1d crop({-1, 2}, 7.0);
  const Tensor y = crop.forward(x);
  EXPECT_EQ(y.shape(), (Shape{2, 3, 6}));
  EXPECT_EQ(y.at<float>({0, 0, 0}), x.at<float>({0, 0, 1}));
  EXPECT_EQ(y.at<float>({1, 2, 5}), 7.0f);
  auto copy = crop.clone();
  EXPECT_EQ(copy->to_string(), "ConstantPad1d(padding=(-1, 2), value=7.0)");
  EXPECT_TRUE(equal(copy->forward(x), y));
}

TEST(NnPadding, Errors) {
  Generator g(1);
  EXPECT_OCTET_ERROR(ZeroPad2d({1, 2, 3}), "ZeroPad2d: padding must have 1 or 4 values, got (1, 2, 3)");
  EXPECT_OCTET_ERROR(ReflectionPad1d({-1}), "ReflectionPad1d: padding must be >= 0 in reflect mode, got (-1, -1)");
  ReflectionPad2d refl({1});
  EXPECT_OCTET_ERROR(refl.forward(randn({4, 4}, g)), "ReflectionPad2d: expected a 3-D or 4-D input, got a 2-D input of shape [4, 4]");
  ReplicationPad3d rep({1});
  EXPECT_OCTET_ERROR(rep.forward(randn({2, 2, 2}, g)), "ReplicationPad3d: expected a 4-D or 5-D input, got a 3-D input");
  ConstantPad3d cst({1}, 0.0);
  EXPECT_OCTET_ERROR(cst.forward(randn({2, 2}, g)), "ConstantPad3d: expected an input of at least 3 dims, got shape [2, 2]");
  EXPECT_OCTET_ERROR(cst.forward(zeros({2, 2, 2}, kInt64)), "ConstantPad3d: expected a float32 input, got int64");
}

}  // namespace
}  // namespace octet::nn
