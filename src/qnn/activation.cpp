// activation.cpp: nn::quantized::ReLU6, Hardswish, ELU, LeakyReLU, Sigmoid, Tanh, Softmax and PReLU.
#include "octet/nn/quantized/activation.h"

#include <cmath>
#include <vector>

#include "kernels/qelementwise_kernels.h"
#include "nn/py_repr.h"
#include "octet/qparams.h"
#include "octet/quantization/min_max_observer.h"
#include "octet/quantize.h"
#include "octet/quantized/activation.h"
#include "octet/quantized/norm.h"
#include "ops/quantized/elementwise_common.h"
#include "qnn/qnn_util.h"

namespace octet::nn::quantized {

namespace qops = ::octet::quantized;
using detail::check_quantized_input;
using detail::output_qparams;
using nn::detail::py_float_repr;

namespace {

// f over a 256-entry table from x's qparams to (out_scale, out_zero_point): the operator
// library's lookup-table path (octet::quantized::sigmoid etc. are this with fixed qparams).
Tensor table_op(const Tensor& x, double out_scale, int64_t out_zero_point, const kernels::LutFunctionParams& f,
                kernels::LutDequantize form, const char* op) {
  namespace qd = ::octet::quantized::detail;
  const qd::QOperand q = qd::check_operand(x, op);
  qd::check_output_qparams(out_scale, out_zero_point, q.dtype, op);
  uint8_t table[256];
  qd::build_table(q, out_scale, out_zero_point, f, form, table);
  return qd::apply_table(x, table, Quantizer::per_tensor(q.dtype, out_scale, out_zero_point));
}

}  // namespace

// --- ReLU6 -------------------------------------------------------------------------------------------

Tensor ReLU6::forward(const Tensor& input) {
  check_quantized_input(input, error_name());
  return qops::relu6(input);
}

std::string ReLU6::extra_repr() const { return inplace_ ? "inplace=True" : ""; }

std::shared_ptr<ReLU6> ReLU6::from_float(const nn::ReLU6& mod, const FromFloatArgs& /*args*/) {
  return std::make_shared<ReLU6>(mod.options().inplace);
}

// --- Hardswish, ELU, LeakyReLU -----------------------------------------------------------------------

Hardswish::Hardswish(double scale, int64_t zero_point) { register_output_qparams(scale, zero_point); }

Tensor Hardswish::forward(const Tensor& input) {
  check_quantized_input(input, error_name());
  return qops::hardswish(input, scale(), zero_point());
}

std::shared_ptr<Hardswish> Hardswish::from_float(const nn::Hardswish& /*mod*/, const FromFloatArgs& args) {
  const detail::ObservedQParams q = output_qparams(args, "QuantizedHardswish");
  return std::make_shared<Hardswish>(q.scale, q.zero_point);
}

ELU::ELU(double scale, int64_t zero_point, double alpha) : alpha_(alpha) {
  register_output_qparams(scale, zero_point);
}

Tensor ELU::forward(const Tensor& input) {
  check_quantized_input(input, error_name());
  return qops::elu(input, scale(), zero_point(), alpha_);
}

std::string ELU::extra_repr() const { return "alpha=" + py_float_repr(alpha_); }

std::shared_ptr<ELU> ELU::from_float(const nn::ELU& mod, const FromFloatArgs& args) {
  const detail::ObservedQParams q = output_qparams(args, "QuantizedELU");
  return std::make_shared<ELU>(q.scale, q.zero_point, mod.options().alpha);
}

LeakyReLU::LeakyReLU(double scale, int64_t zero_point, double negative_slope, bool inplace)
    : negative_slope_(negative_slope), inplace_(inplace) {
  OCTET_CHECK(std::isfinite(negative_slope), "QuantizedLeakyReLU", "negative_slope must be finite, got ",
              negative_slope);
  register_output_qparams(scale, zero_point);
}

Tensor LeakyReLU::forward(const Tensor& input) {
  check_quantized_input(input, error_name());
  // PyTorch's kernel dequantizes in the premultiplied FMA form (as octet::quantized::leaky_relu).
  return table_op(input, scale(), zero_point(), {kernels::LutFunction::LeakyRelu, negative_slope_},
                  kernels::LutDequantize::PremulFma, "quantized::leaky_relu");
}

std::string LeakyReLU::extra_repr() const {
  return "negative_slope=" + py_float_repr(negative_slope_) + (inplace_ ? ", inplace=True" : "");
}

std::shared_ptr<LeakyReLU> LeakyReLU::from_float(const nn::LeakyReLU& mod, const FromFloatArgs& args) {
  const detail::ObservedQParams q = output_qparams(args, "QuantizedLeakyReLU");
  return std::make_shared<LeakyReLU>(q.scale, q.zero_point, mod.options().negative_slope, mod.options().inplace);
}

// --- Sigmoid, Tanh -----------------------------------------------------------------------------------

Sigmoid::Sigmoid(std::optional<double> output_scale, std::optional<int64_t> output_zero_point) {
  register_output_qparams(output_scale.value_or(1.0 / 256.0), output_zero_point.value_or(0));
}

Tensor Sigmoid::forward(const Tensor& input) {
  check_quantized_input(input, error_name());
  return table_op(input, scale(), zero_point(), {kernels::LutFunction::Sigmoid}, kernels::LutDequantize::Plain,
                  "quantized::sigmoid");
}

std::shared_ptr<Sigmoid> Sigmoid::from_float(const nn::Sigmoid& /*mod*/, const FromFloatArgs& args) {
  const detail::ObservedQParams q = output_qparams(args, "Sigmoid");
  return std::make_shared<Sigmoid>(q.scale, q.zero_point);
}

Tanh::Tanh(std::optional<double> output_scale, std::optional<int64_t> output_zero_point) {
  register_output_qparams(output_scale.value_or(2.0 / 256.0), output_zero_point.value_or(128));
}

Tensor Tanh::forward(const Tensor& input) {
  check_quantized_input(input, error_name());
  return table_op(input, scale(), zero_point(), {kernels::LutFunction::Tanh}, kernels::LutDequantize::PremulFma,
                  "quantized::tanh");
}

std::shared_ptr<Tanh> Tanh::from_float(const nn::Tanh& /*mod*/, const FromFloatArgs& args) {
  const detail::ObservedQParams q = output_qparams(args, "QuantizedTanh");
  return std::make_shared<Tanh>(q.scale, q.zero_point);
}

// --- Softmax -----------------------------------------------------------------------------------------

Softmax::Softmax(std::optional<int64_t> dim, double scale, int64_t zero_point) : dim_(dim) {
  register_output_qparams(scale, zero_point);
}

Tensor Softmax::forward(const Tensor& input) {
  check_quantized_input(input, error_name());
  // torch.nn.functional._get_softmax_dim for dim=None.
  const int64_t rank = input.dim();
  const int64_t dim = dim_ ? *dim_ : ((rank == 0 || rank == 1 || rank == 3) ? 0 : 1);
  return qops::softmax(input, dim, scale(), zero_point());
}

std::string Softmax::extra_repr() const { return "dim=" + (dim_ ? std::to_string(*dim_) : std::string("None")); }

std::shared_ptr<Softmax> Softmax::from_float(const nn::Softmax& mod, const FromFloatArgs& args) {
  const detail::ObservedQParams q = output_qparams(args, "QuantizedSoftmax");
  return std::make_shared<Softmax>(mod.dim(), q.scale, q.zero_point);
}

// --- PReLU -------------------------------------------------------------------------------------------

PReLU::PReLU(double output_scale, int64_t output_zero_point, int64_t num_parameters)
    : num_parameters_(num_parameters) {
  OCTET_CHECK(num_parameters >= 1, "QuantizedPReLU", "num_parameters must be at least 1, got ", num_parameters);
  register_output_qparams(output_scale, output_zero_point);
  set_weight(quantize_per_tensor(full({num_parameters}, 0.25), 1.0 / 512.0, 0, kQUInt8));
}

void PReLU::set_weight(const Tensor& w) {
  OCTET_CHECK(w.defined() && w.dtype() == kQUInt8 && !is_per_channel(w.qscheme()), name(),
              "set_weight: expected a quint8 per-tensor weight, got ",
              w.defined() ? dtype_name(w.dtype()) : "an undefined tensor",
              w.defined() && w.is_quantized() ? std::string(" ") + std::string(qscheme_name(w.qscheme())) : "");
  OCTET_CHECK(w.numel() == num_parameters_, name(), "set_weight: expected ", num_parameters_,
              " slopes (num_parameters), got shape ", shape_to_string(w.shape()));
  weight_ = w.reshape({num_parameters_}).clone();
}

// y = x > 0 ? x : x * w[c], in float32 on the dequantized values, quantized to (scale, zero_point):
// one 256-entry table per channel, PyTorch's "dequantize -> prelu -> quantize" (PyTorch's integer
// kernel instead multiplies positive values by the quantized 1.0 of the weight's qparams, which
// is not 1 when the weight's range stops below 1: the default observer on slopes of 0.25 scales
// positive inputs by about 0.5; Octet keeps them).
Tensor PReLU::forward(const Tensor& input) {
  check_quantized_input(input, error_name());
  const int64_t channels = input.dim() >= 2 ? input.size(1) : 1;
  OCTET_CHECK(num_parameters_ == 1 || channels == num_parameters_, name(), "num_parameters=", num_parameters_,
              " does not match the ", channels, " channels at dim 1 of the input of shape ",
              shape_to_string(input.shape()));
  const DType dtype = input.dtype();
  const QRange r = calculate_qmin_qmax(dtype);
  const auto sx = static_cast<float>(input.q_scale());
  const int64_t zx = input.q_zero_point();
  const auto so = static_cast<float>(scale());
  const int64_t zo = zero_point();
  Quantizer::per_tensor(dtype, scale(), zo);  // validates the output qparams for this dtype
  const Tensor wf = weight_.dequantize();
  const float* w = wf.data_ptr<float>();
  std::vector<uint8_t> tables(static_cast<std::size_t>(num_parameters_) * 256);
  for (int64_t c = 0; c < num_parameters_; ++c) {
    for (int code = 0; code < 256; ++code) {
      const int64_t q = dtype == kQInt8 ? static_cast<int8_t>(code) : code;
      const float x = dequantize_value(q, sx, zx);
      const float y = x > 0.0f ? x : x * w[c];
      const int64_t out = quantize_value(y, so, zo, r.qmin, r.qmax);
      tables[static_cast<std::size_t>(c * 256 + code)] = static_cast<uint8_t>(out);
    }
  }
  const Tensor x = input.contiguous();
  Tensor y = make_per_tensor_quantized_tensor(x.int_repr(), scale(), zo);  // every byte rewritten below
  const auto* src = static_cast<const uint8_t*>(x.raw_data());
  auto* dst = static_cast<uint8_t*>(y.raw_data());
  // Contiguous (N, C, *): each run of `inner` elements shares one channel's table.
  const int64_t n = x.numel();
  const int64_t inner = n == 0 ? 0 : (input.dim() < 2 ? n : n / (x.size(0) * channels));
  const int64_t runs = inner == 0 ? 0 : n / inner;
  for (int64_t run = 0; run < runs; ++run) {
    const uint8_t* table = tables.data() + (num_parameters_ == 1 ? 0 : (run % channels) * 256);
    for (int64_t i = run * inner; i < (run + 1) * inner; ++i) dst[i] = table[src[i]];
  }
  return y;
}

std::shared_ptr<PReLU> PReLU::from_float(const nn::PReLU& mod, const FromFloatArgs& args) {
  const detail::ObservedQParams out = output_qparams(args, "QuantizedPReLU");
  auto q = std::make_shared<PReLU>(out.scale, out.zero_point, mod.weight.numel());
  // PyTorch asks for a quint8 weight observer (and warns otherwise); an observer of another dtype
  // or granularity (the qconfig's per-channel qint8 one) is replaced by MinMaxObserver(quint8).
  std::shared_ptr<quantization::ActivationPostProcess> obs = args.weight_observer ? args.weight_observer() : nullptr;
  if (obs == nullptr || obs->dtype() != kQUInt8 || is_per_channel(obs->qscheme())) {
    obs = std::make_shared<quantization::MinMaxObserver>(quantization::MinMaxObserverOptions{.dtype = kQUInt8});
  }
  const Tensor w = mod.weight.contiguous();
  obs->forward(w);
  QuantizerPtr qz;
  try {
    qz = obs->quantizer();
  } catch (const Error& e) {
    OCTET_FAIL("QuantizedPReLU.from_float", "the weight observer cannot give qparams: ", e.what());
  }
  q->set_weight(quantize_per_tensor(w, qz->scale(), qz->zero_point(), kQUInt8));
  return q;
}

void PReLU::save_to_state_dict(StateDict& destination, const std::string& prefix) const {
  destination.insert(prefix + "weight", weight_);
  Module::save_to_state_dict(destination, prefix);
}

void PReLU::load_from_state_dict(StateDictLoad& load, const std::string& prefix) {
  Module::load_from_state_dict(load, prefix);
  const std::string key = prefix + "weight";
  detail::erase_unexpected(load, key);
  const Tensor* w = detail::find_required(load, key);
  if (w == nullptr) return;
  if (!w->is_quantized() || w->dtype() != kQUInt8 || is_per_channel(w->qscheme()) ||
      w->shape() != Shape{num_parameters_}) {
    load.error_msgs.push_back(detail::load_error(
        key, "expected a quint8 per-tensor weight of shape " + shape_to_string({num_parameters_}) + ", got " +
                 std::string(dtype_name(w->dtype())) + " of shape " + shape_to_string(w->shape())));
    return;
  }
  const Tensor value = w->clone();
  load.copies.push_back([this, value]() { weight_ = value; });
}

}  // namespace octet::nn::quantized
