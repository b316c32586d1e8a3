// stubs_test.cpp: QuantStub / DeQuantStub are identities until convert(); QuantWrapper's children
// and forward are PyTorch's; a model that is one quantizable layer is prepared and converted whole.
#include <gtest/gtest.h>

#include <memory>

#include "quantize/workflow_test_util.h"

namespace octet {
namespace {

namespace nnq = octet::nn::quantized;
namespace Q = octet::quantization;
using test::max_abs_diff;

TEST(QuantStubs, IdentitiesInTheFloatModel) {
  Generator gen(test::test_seed(801));
  const Tensor x = randn({3, 4}, gen);
  EXPECT_EQ(max_abs_diff(Q::QuantStub().forward(x), x), 0.0f);
  EXPECT_EQ(max_abs_diff(Q::DeQuantStub().forward(x), x), 0.0f);
  EXPECT_EQ(Q::QuantStub().to_string(), "QuantStub()");
}

TEST(QuantStubs, QuantWrapperQuantizesAWholeModule) {
  Generator gen(test::test_seed(802));
  auto inner = std::make_shared<nn::Sequential>(std::make_shared<nn::Linear>(4, 8), std::make_shared<nn::ReLU>(),
                                                std::make_shared<nn::Linear>(8, 2));
  auto wrapped = std::make_shared<Q::QuantWrapper>(inner);
  const auto names = wrapped->named_children().keys();
  EXPECT_EQ(names, (std::vector<std::string>{"quant", "dequant", "module"}));
  wrapped->eval();
  wrapped->qconfig = Q::get_default_qconfig("x86");
  auto prepared = Q::prepare(wrapped);
  for (int i = 0; i < 3; ++i) prepared->forward(randn({16, 4}, gen));
  auto q = Q::convert(prepared);
  EXPECT_EQ(typeid(*q->quant), typeid(nnq::Quantize));
  EXPECT_EQ(typeid(*q->get_submodule("module.0")), typeid(nnq::Linear));
  EXPECT_EQ(typeid(*q->dequant), typeid(nnq::DeQuantize));
  const Tensor x = randn({5, 4}, gen);
  const Tensor y = q->forward(x);
  EXPECT_FALSE(y.is_quantized());
  EXPECT_LE(max_abs_diff(y, wrapped->forward(x)), 0.1f);
  EXPECT_OCTET_ERROR(Q::QuantWrapper(nullptr), "the wrapped module is null");
}

TEST(QuantStubs, ASingleLayerModelIsPreparedAndConvertedWhole) {
  Generator gen(test::test_seed(803));
  nn::ModulePtr linear = std::make_shared<nn::Linear>(4, 4);
  linear->eval();
  linear->qconfig = Q::get_default_qconfig("x86");
  nn::ModulePtr prepared = Q::prepare(linear);
  EXPECT_NE(dynamic_cast<const Q::ObservedModule*>(prepared.get()), nullptr);
  prepared->forward(randn({8, 4}, gen));
  nn::ModulePtr q = Q::convert(prepared);
  EXPECT_EQ(typeid(*q), typeid(nnq::Linear));
  // The typed overload says why it cannot return the model's own class.
  auto typed = std::make_shared<nn::Linear>(4, 4);
  typed->qconfig = Q::get_default_qconfig("x86");
  auto typed_prepared = Q::prepare(typed);  // an Observed<Linear> is still a Linear
  typed_prepared->forward(randn({8, 4}, gen));
  EXPECT_OCTET_ERROR(Q::convert(typed_prepared), "call convert with an nn::ModulePtr");
}

}  // namespace
}  // namespace octet
