// dropout_test.cpp: Dropout zeroes about p of the elements and rescales the rest in training, is the
// identity in eval, reproduces its mask from the default generator's seed, and checks p.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>

#include "common/test_util.h"
#include "octet/octet.h"

namespace octet::nn {
namespace {

Tensor seeded_input(int64_t n) {
  Generator gen(test::test_seed(20260303));
  return randn({n}, gen);
}

TEST(DropoutModule, TrainingZeroesAboutPAndRescalesTheRest) {
  const int64_t n = 200000;
  const Tensor x = seeded_input(n);
  for (double p : {0.1, 0.3, 0.75}) {
    Dropout drop(p);
    ASSERT_TRUE(drop.is_training());
    const Tensor y = drop.forward(x);
    ASSERT_EQ(y.shape(), x.shape());
    const float* px = x.data_ptr<float>();
    const float* py = y.data_ptr<float>();
    const auto scale = static_cast<float>(1.0 / (1.0 - p));
    int64_t dropped = 0;
    for (int64_t i = 0; i < n; ++i) {
      if (py[i] == 0.0f && px[i] != 0.0f) {
        ++dropped;
      } else {
        ASSERT_FLOAT_EQ(py[i], px[i] * scale) << "element " << i << ", p=" << p;
      }
    }
    // Binomial(n, p): the standard deviation of the dropped fraction is under 0.0011 here.
    EXPECT_NEAR(static_cast<double>(dropped) / static_cast<double>(n), p, 0.006) << "p=" << p;
  }
}

TEST(DropoutModule, EvalIsTheIdentity) {
  const Tensor x = seeded_input(1001).reshape({7, 11, 13});
  Dropout drop(0.6);
  drop.eval();
  const Tensor y = drop.forward(x);
  EXPECT_TRUE(equal(y, x));
  // A non-contiguous input comes back with the same values, contiguous.
  const Tensor xt = x.transpose(0, 2);
  const Tensor yt = drop.forward(xt);
  EXPECT_TRUE(yt.is_contiguous());
  EXPECT_TRUE(equal(yt, xt.contiguous()));
  drop.train();
  EXPECT_FALSE(equal(drop.forward(x), x));
}

TEST(DropoutModule, FollowsTheModeOfItsParent) {
  Sequential seq(std::make_shared<Dropout>(0.5));
  const Tensor x = ones({64});
  seq.eval();
  EXPECT_TRUE(equal(seq.forward(x), x));
  seq.train();
  EXPECT_FALSE(equal(seq.forward(x), x));
}

TEST(DropoutModule, TheDefaultGeneratorSeedReproducesTheMask) {
  const Tensor x = ones({4096});
  Dropout drop(0.5);
  manual_seed(1234);
  const Tensor a = drop.forward(x);
  const Tensor b = drop.forward(x);
  manual_seed(1234);
  const Tensor c = drop.forward(x);
  EXPECT_TRUE(equal(a, c));
  EXPECT_FALSE(equal(a, b));
}

TEST(DropoutModule, EdgeProbabilities) {
  const Tensor x = seeded_input(333);
  EXPECT_TRUE(equal(Dropout(0.0).forward(x), x));
  EXPECT_TRUE(equal(Dropout(1.0).forward(x), zeros({333})));
}

TEST(DropoutModule, PrintsLikePyTorch) {
  EXPECT_EQ(Dropout().to_string(), "Dropout(p=0.5, inplace=False)");
  EXPECT_EQ(Dropout(0.2).to_string(), "Dropout(p=0.2, inplace=False)");
  EXPECT_EQ(Dropout(0.1, {.inplace = true}).to_string(), "Dropout(p=0.1, inplace=True)");
  EXPECT_TRUE(Dropout().state_dict().empty());
}

TEST(DropoutErrors, ProbabilityAndInputAreChecked) {
  EXPECT_OCTET_ERROR(Dropout(1.5), "Dropout: dropout probability has to be between 0 and 1, but got 1.5");
  EXPECT_OCTET_ERROR(Dropout(-0.1), "Dropout: dropout probability has to be between 0 and 1, but got -0.1");
  EXPECT_OCTET_ERROR(Dropout().forward(Tensor{}), "Dropout: the input is undefined");
  EXPECT_OCTET_ERROR(Dropout().forward(zeros({3}, kInt32)), "dropout");
}

}  // namespace
}  // namespace octet::nn
