// dynamic_util.cpp: the engine's reduce_range, weight dtypes and quantization, and checks for the dynamic quantized modules.
#include "qnn/dynamic_util.h"

#include <sstream>

#include "octet/engine.h"
#include "octet/quantization/qconfig.h"
#include "qnn/qnn_util.h"

namespace octet::nn::quantized::detail {

bool dynamic_reduce_range() { return get_engine() == Engine::X86; }

DType dynamic_weight_dtype(const FromFloatArgs& args, const std::string& module) {
  const std::string where = module + ".from_float";
  const quantization::ActivationPostProcessFactory factory =
      args.weight_observer ? args.weight_observer : quantization::default_dynamic_qconfig().weight;
  const std::shared_ptr<quantization::ActivationPostProcess> obs = factory();
  OCTET_CHECK(obs != nullptr, where, "the weight observer factory returned null");
  const DType dtype = obs->dtype();
  OCTET_CHECK(dtype == kQInt8 || dtype == kFloat16, where,
              "the only supported weight dtypes for dynamic quantization are qint8 and float16, got ", dtype,
              " (from the weight observer ", obs->name(), ")");
  return dtype;
}

Tensor dynamic_weight(const Tensor& weight, DType dtype, const FromFloatArgs& args, const std::string& module) {
  if (dtype == kFloat16) return weight;
  return quantize_weight(weight, args, {quantization::default_dynamic_qconfig().weight, kQInt8, 0}, module);
}

void check_dynamic_input(const Tensor& input, const std::string& module, const char* what) {
  OCTET_CHECK(input.defined(), module, "the ", what, " is undefined");
  OCTET_CHECK(!input.is_quantized(), module, "expected a float ", what, ", got ", input.dtype(),
              ": a dynamic quantized module takes float inputs and quantizes them itself; a DeQuantStub (or "
              "nn::quantized::DeQuantize) is probably missing before this module");
  OCTET_CHECK(input.is_floating_point(), module, "expected a floating-point ", what, ", got ", input.dtype());
}

std::string check_dynamic_weight(const Tensor& w, const Shape& shape, DType dtype) {
  if (dtype == kQInt8) return check_quantized_weight(w, shape, kQInt8, 0);
  std::ostringstream why;
  if (!w.defined() || !w.is_floating_point()) {
    why << "expected a float16 (or float) weight for a float16 module, got "
        << (w.defined() ? dtype_name(w.dtype()) : "an undefined tensor");
  } else if (w.shape() != shape) {
    why << "size mismatch: the checkpoint has shape " << shape_to_string(w.shape()) << ", the module expects "
        << shape_to_string(shape);
  }
  return why.str();
}

std::string torch_dtype(DType dtype) { return std::string("torch.").append(dtype_name(dtype)); }

}  // namespace octet::nn::quantized::detail
