// batchnorm_test.cpp: nn::BatchNorm1d/2d/3d against PyTorch goldens (eval with running statistics,
// training updates with momentum and with the cumulative average), default state, printing, errors.
#include <gtest/gtest.h>

#include "common/test_util.h"
#include "nn/layer_golden.h"
#include "octet/octet.h"

namespace octet::nn {
namespace {

using test::LayerCase;

template <typename M>
LayerCase make(int64_t c, BatchNormOptions o = {}) {
  return {[=] { return std::make_shared<M>(c, o); }};
}

TEST(NnBatchNorm, MatchesPyTorchGoldens) {
  test::run_layer_goldens({"BatchNorm1d", "BatchNorm2d", "BatchNorm3d"},
                          {
                              {"bn1d_eval_2d", make<BatchNorm1d>(7)},
                              {"bn1d_eval_3d_noaffine", make<BatchNorm1d>(4, {.affine = false})},
                              {"bn2d_eval_eps", make<BatchNorm2d>(5, {.eps = 1e-3})},
                              {"bn2d_eval_nobias", make<BatchNorm2d>(3, {.bias = false})},
                              {"bn3d_eval", make<BatchNorm3d>(3)},
                              {"bn1d_no_track", make<BatchNorm1d>(4, {.track_running_stats = false})},
                              // Two training calls each: running stats and num_batches_tracked as PyTorch's.
                              {"bn2d_train_momentum", make<BatchNorm2d>(5)},
                              {"bn2d_train_cumulative", make<BatchNorm2d>(5, {.momentum = std::nullopt})},
                              {"bn1d_train_momentum", make<BatchNorm1d>(6, {.momentum = 0.3})},
                          });
}

TEST(NnBatchNorm, DefaultStateMatchesPyTorch) {
  BatchNorm2d bn(4);
  EXPECT_EQ(bn.state_dict().keys(),
            (std::vector<std::string>{"weight", "bias", "running_mean", "running_var", "num_batches_tracked"}));
  EXPECT_TRUE(equal(bn.weight, ones({4})));
  EXPECT_TRUE(equal(bn.bias, zeros({4})));
  EXPECT_TRUE(equal(bn.running_mean, zeros({4})));
  EXPECT_TRUE(equal(bn.running_var, ones({4})));
  EXPECT_EQ(bn.num_batches_tracked.dtype(), kInt64);
  EXPECT_EQ(bn.num_batches_tracked.dim(), 0);
  EXPECT_EQ(bn.num_batches_tracked.item<int64_t>(), 0);
  EXPECT_TRUE(bn.buffer_is_persistent("num_batches_tracked"));
  BatchNorm1d plain(3, {.affine = false, .track_running_stats = false});
  EXPECT_TRUE(plain.state_dict().empty());
  EXPECT_FALSE(plain.weight.defined());
  EXPECT_FALSE(plain.running_mean.defined());
  EXPECT_EQ(plain.to_string(),
            "BatchNorm1d(3, eps=1e-05, momentum=0.1, affine=False, bias=False, track_running_stats=False)");
  EXPECT_EQ(BatchNorm2d(64, {.eps = 1e-3, .momentum = 0.01}).to_string(),
            "BatchNorm2d(64, eps=0.001, momentum=0.01, affine=True, bias=True, track_running_stats=True)");
}

TEST(NnBatchNorm, EvalLeavesStateAloneAndTrainingCountsBatches) {
  Generator g(test::test_seed(9));
  BatchNorm2d bn(3);
  const Tensor x = randn({2, 3, 4, 4}, g);
  bn.eval();
  bn.forward(x);
  EXPECT_EQ(bn.num_batches_tracked.item<int64_t>(), 0);
  EXPECT_TRUE(equal(bn.running_mean, zeros({3})));
  bn.train();
  bn.forward(x);
  bn.forward(x);
  EXPECT_EQ(bn.num_batches_tracked.item<int64_t>(), 2);
  EXPECT_FALSE(equal(bn.running_mean, zeros({3})));
  // A clone carries the counters and statistics, in storage of its own.
  auto copy = std::static_pointer_cast<BatchNorm2d>(bn.clone());
  EXPECT_EQ(copy->num_batches_tracked.item<int64_t>(), 2);
  EXPECT_NE(copy->running_mean.storage(), bn.running_mean.storage());
  bn.reset_running_stats();
  EXPECT_EQ(bn.num_batches_tracked.item<int64_t>(), 0);
  EXPECT_TRUE(equal(bn.running_var, ones({3})));
}

TEST(NnBatchNorm, Errors) {
  Generator g(1);
  EXPECT_OCTET_ERROR(BatchNorm2d(0), "BatchNorm2d: num_features must be > 0, got 0");
  BatchNorm2d bn2(3);
  EXPECT_OCTET_ERROR(bn2.forward(randn({2, 3, 4}, g)), "BatchNorm2d: expected a 4-D input, got a 3-D input of shape [2, 3, 4]");
  EXPECT_OCTET_ERROR(bn2.forward(randn({2, 5, 4, 4}, g)),
                     "BatchNorm2d: expected an input with 3 channels (num_features) at dim 1, got shape [2, 5, 4, 4]");
  BatchNorm1d bn1(3);
  EXPECT_OCTET_ERROR(bn1.forward(randn({2, 3, 4, 4}, g)), "BatchNorm1d: expected a 2-D or 3-D input, got a 4-D input");
  EXPECT_OCTET_ERROR(bn1.forward(randn({1, 3}, g)), "expected more than 1 value per channel when training");
  BatchNorm3d bn3(2);
  EXPECT_OCTET_ERROR(bn3.forward(randn({2, 2, 3, 3}, g)), "BatchNorm3d: expected a 5-D input, got a 4-D input");
  EXPECT_OCTET_ERROR(bn3.forward(zeros({2, 2, 1, 2, 2}, kFloat64)), "BatchNorm3d: expected a float32 input, got float64");
}

}  // namespace
}  // namespace octet::nn
