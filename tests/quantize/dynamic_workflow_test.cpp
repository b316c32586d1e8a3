// dynamic_workflow_test.cpp: quantize_dynamic on a recurrent classifier: which modules are swapped
// for which dtype, outputs identical to the dynamic modules built by hand, and the errors.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <tuple>

#include "quantize/workflow_test_util.h"

namespace octet {
namespace {

namespace nnq = octet::nn::quantized;
namespace nnqd = octet::nn::quantized::dynamic;
namespace Q = octet::quantization;
using test::max_abs_diff;

// An LSTM over a sequence, then a linear head on the last step. The LSTM is held through
// nn::AnyLSTM, so the same forward runs the float and the int8 LSTM.
class RecurrentNet : public nn::Cloneable<RecurrentNet> {
 public:
  RecurrentNet() {
    register_module("lstm", &RecurrentNet::lstm,
                    std::make_shared<nn::LSTM>(6, 8, nn::LSTMOptions{.batch_first = true}));
    register_module("fc", &RecurrentNet::fc, std::make_shared<nn::Linear>(8, 3));
  }
  Tensor forward(const Tensor& x) override {
    auto [out, h, c] = lstm->forward(x);
    return fc->forward(out.select(1, out.size(1) - 1));
  }
  std::shared_ptr<nn::AnyLSTM> lstm;
  nn::ModulePtr fc;
};

TEST(EagerDynamicWorkflow, Int8LinearAndLstmMatchTheModulesBuiltByHand) {
  Generator gen(test::test_seed(701));
  auto net = std::make_shared<RecurrentNet>();
  net->eval();
  auto q = Q::quantize_dynamic(net, {typeid(nn::Linear), typeid(nn::LSTM)}, kQInt8);
  EXPECT_EQ(typeid(*std::dynamic_pointer_cast<nn::Module>(q->lstm)), typeid(nnqd::LSTM));
  EXPECT_EQ(typeid(*q->fc), typeid(nnqd::Linear));
  EXPECT_EQ(typeid(*std::dynamic_pointer_cast<nn::Module>(net->lstm)), typeid(nn::LSTM));  // not in place
  const auto& float_lstm = dynamic_cast<const nn::LSTM&>(*std::dynamic_pointer_cast<nn::Module>(net->lstm));
  auto lstm_q = nnqd::LSTM::from_float(float_lstm, {.weight_observer = Q::default_dynamic_qconfig().weight});
  auto fc_q = nnqd::Linear::from_float(dynamic_cast<const nn::Linear&>(*net->fc),
                                       {.weight_observer = Q::default_dynamic_qconfig().weight});
  const Tensor x = randn({5, 7, 6}, gen);
  auto [out, h, c] = lstm_q->forward(x);
  const Tensor want = fc_q->forward(out.select(1, 6));
  EXPECT_EQ(max_abs_diff(q->forward(x), want), 0.0f);
  EXPECT_LE(max_abs_diff(q->forward(x), net->forward(x)), 0.05f);
}

TEST(EagerDynamicWorkflow, DefaultTypesFloat16AndOptOut) {
  Generator gen(test::test_seed(702));
  auto net = std::make_shared<RecurrentNet>();
  net->eval();
  auto q = Q::quantize_dynamic(net);  // PyTorch's default set: Linear, LSTM, GRU and the cells
  EXPECT_EQ(typeid(*q->fc), typeid(nnqd::Linear));
  auto h = Q::quantize_dynamic(net, {}, kFloat16);
  EXPECT_EQ(std::dynamic_pointer_cast<nnqd::Linear>(h->fc)->dtype(), kFloat16);
  EXPECT_EQ(std::dynamic_pointer_cast<nnqd::LSTM>(h->lstm)->dtype(), kFloat16);
  net->fc->qconfig = nullptr;  // a module's own "none" beats the type set
  auto partial = Q::quantize_dynamic(net, {typeid(nn::Linear), typeid(nn::LSTM)}, kQInt8);
  EXPECT_EQ(typeid(*partial->fc), typeid(nn::Linear));
  EXPECT_NE(std::dynamic_pointer_cast<nnqd::LSTM>(partial->lstm), nullptr);
  // By name, with a qconfig of one's own.
  Q::QConfigDict spec;
  spec.by_name["lstm"] = Q::per_channel_dynamic_qconfig();
  auto by_name = Q::quantize_dynamic(nn::ModulePtr(std::make_shared<RecurrentNet>()), spec);
  auto by_name_lstm = std::dynamic_pointer_cast<nnqd::LSTM>(by_name->get_submodule("lstm"));
  ASSERT_NE(by_name_lstm, nullptr);
  EXPECT_TRUE(by_name_lstm->get_weight().at("weight_ih_l0").quantizer()->per_channel());
  EXPECT_EQ(typeid(*by_name->get_submodule("fc")), typeid(nn::Linear));
  const Tensor x = randn({2, 3, 6}, gen);
  EXPECT_EQ(partial->forward(x).shape(), (Shape{2, 3}));
}

TEST(EagerDynamicWorkflow, WeightOnlyEmbeddingBag) {
  auto model = std::make_shared<nn::Sequential>(std::make_shared<nn::EmbeddingBag>(20, 8));
  model->eval();
  auto q8 = Q::quantize_dynamic(nn::ModulePtr(model), {}, kQUInt8);
  EXPECT_EQ(typeid(*q8->get_submodule("0")), typeid(nnq::EmbeddingBag));
  auto q4 = Q::quantize_dynamic(nn::ModulePtr(model), {}, kQUInt4x2);
  EXPECT_EQ(typeid(*q4->get_submodule("0")), typeid(nnq::EmbeddingBag));
}

// GRU and the cells through their interfaces: the same calls before and after quantize_dynamic.
class CellsNet : public nn::Cloneable<CellsNet> {
 public:
  CellsNet() {
    register_module("gru", &CellsNet::gru, std::make_shared<nn::GRU>(4, 6));
    register_module("lstm_cell", &CellsNet::lstm_cell, std::make_shared<nn::LSTMCell>(6, 5));
    register_module("gru_cell", &CellsNet::gru_cell, std::make_shared<nn::GRUCell>(5, 3));
    register_module("rnn_cell", &CellsNet::rnn_cell, std::make_shared<nn::RNNCell>(3, 3));
  }
  Tensor forward(const Tensor& x) override {  // x: (L, N, 4)
    auto [out, h] = gru->forward(x);
    auto [h1, c1] = lstm_cell->forward(out.select(0, out.size(0) - 1));
    return rnn_cell->forward(gru_cell->forward(h1, Tensor()), Tensor());
  }
  std::shared_ptr<nn::AnyGRU> gru;
  std::shared_ptr<nn::AnyLSTMCell> lstm_cell;
  std::shared_ptr<nn::AnyRecurrentCell> gru_cell, rnn_cell;
};

TEST(EagerDynamicWorkflow, GruAndCellsThroughTheirInterfaces) {
  Generator gen(test::test_seed(703));
  auto net = std::make_shared<CellsNet>();
  net->eval();
  auto q = Q::quantize_dynamic(net);
  EXPECT_EQ(typeid(*q->get_submodule("gru")), typeid(nnqd::GRU));
  EXPECT_EQ(typeid(*q->get_submodule("lstm_cell")), typeid(nnqd::LSTMCell));
  EXPECT_EQ(typeid(*q->get_submodule("gru_cell")), typeid(nnqd::GRUCell));
  EXPECT_EQ(typeid(*q->get_submodule("rnn_cell")), typeid(nnqd::RNNCell));
  const Tensor x = randn({5, 2, 4}, gen);
  const Tensor yf = net->forward(x), yq = q->forward(x);
  EXPECT_EQ(yq.shape(), (Shape{2, 3}));
  EXPECT_LE(max_abs_diff(yf, yq), 0.05f);
}

class TypedLstmNet : public nn::Cloneable<TypedLstmNet> {
 public:
  TypedLstmNet() { register_module("lstm", &TypedLstmNet::lstm, std::make_shared<nn::LSTM>(4, 4)); }
  std::shared_ptr<nn::LSTM> lstm;
};

TEST(EagerDynamicWorkflow, Errors) {
  auto net = std::make_shared<RecurrentNet>();
  EXPECT_OCTET_ERROR(Q::quantize_dynamic(net, {}, kQInt32), "dtype qint32 is not supported");
  auto typed = std::make_shared<TypedLstmNet>();
  EXPECT_OCTET_ERROR(Q::quantize_dynamic(typed), "nn::AnyLSTM");
  EXPECT_OCTET_ERROR(Q::quantize_dynamic(nn::ModulePtr()), "the model is null");
}

}  // namespace
}  // namespace octet
