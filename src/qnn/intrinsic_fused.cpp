// intrinsic_fused.cpp: nn::intrinsic's fused float containers (ConvReLU2d, ConvBnReLU2d, LinearReLU, ..., ConvAdd2d).
#include "octet/nn/intrinsic/fused.h"

#include "octet/functional/activation.h"
#include "octet/functional/elementwise.h"

namespace octet::nn::intrinsic {

void FusedModule::add_children(const std::string& module, std::initializer_list<ModulePtr> modules) {
  std::size_t i = 0;
  for (const ModulePtr& m : modules) {
    OCTET_CHECK(m != nullptr, module, "module ", i, " is null (Incorrect types for input modules)");
    push_back(m);
    ++i;
  }
}

#define OCTET_NNI_DEFINE_2(Name, T0, a0, T1, a1) \
  Name::Name(std::shared_ptr<T0> a0, std::shared_ptr<T1> a1) { add_children(#Name, {a0, a1}); }
#define OCTET_NNI_DEFINE_3(Name, T0, a0, T1, a1, T2, a2)                                \
  Name::Name(std::shared_ptr<T0> a0, std::shared_ptr<T1> a1, std::shared_ptr<T2> a2) { \
    add_children(#Name, {a0, a1, a2});                                                  \
  }

OCTET_NNI_DEFINE_2(ConvReLU1d, nn::Conv1d, conv, nn::ReLU, relu)
OCTET_NNI_DEFINE_2(ConvReLU2d, nn::Conv2d, conv, nn::ReLU, relu)
OCTET_NNI_DEFINE_2(ConvReLU3d, nn::Conv3d, conv, nn::ReLU, relu)
OCTET_NNI_DEFINE_2(ConvBn1d, nn::Conv1d, conv, nn::BatchNorm1d, bn)
OCTET_NNI_DEFINE_2(ConvBn2d, nn::Conv2d, conv, nn::BatchNorm2d, bn)
OCTET_NNI_DEFINE_2(ConvBn3d, nn::Conv3d, conv, nn::BatchNorm3d, bn)
OCTET_NNI_DEFINE_3(ConvBnReLU1d, nn::Conv1d, conv, nn::BatchNorm1d, bn, nn::ReLU, relu)
OCTET_NNI_DEFINE_3(ConvBnReLU2d, nn::Conv2d, conv, nn::BatchNorm2d, bn, nn::ReLU, relu)
OCTET_NNI_DEFINE_3(ConvBnReLU3d, nn::Conv3d, conv, nn::BatchNorm3d, bn, nn::ReLU, relu)
OCTET_NNI_DEFINE_2(LinearReLU, nn::Linear, linear, nn::ReLU, relu)
OCTET_NNI_DEFINE_2(LinearBn1d, nn::Linear, linear, nn::BatchNorm1d, bn)
OCTET_NNI_DEFINE_2(BNReLU2d, nn::BatchNorm2d, bn, nn::ReLU, relu)
OCTET_NNI_DEFINE_2(BNReLU3d, nn::BatchNorm3d, bn, nn::ReLU, relu)

#undef OCTET_NNI_DEFINE_2
#undef OCTET_NNI_DEFINE_3

namespace {
Tensor default_add(const Tensor& a, const Tensor& b) { return functional::add(a, b); }
}  // namespace

ConvAdd2d::ConvAdd2d(std::shared_ptr<nn::Conv2d> conv, AddFunction add)
    : add_(add ? std::move(add) : AddFunction(default_add)) {
  add_children("ConvAdd2d", {conv});
}

Tensor ConvAdd2d::forward(const Tensor& /*input*/) {
  OCTET_FAIL("ConvAdd2d", "forward takes two inputs (x1, x2): add(conv(x1), x2)");
}

Tensor ConvAdd2d::forward(const Tensor& x1, const Tensor& x2) { return add_(conv()->forward(x1), x2); }

ConvAddReLU2d::ConvAddReLU2d(std::shared_ptr<nn::Conv2d> conv, AddFunction add, std::shared_ptr<nn::ReLU> relu)
    : add_(add ? std::move(add) : AddFunction(default_add)) {
  add_children("ConvAddReLU2d", {conv});
  OCTET_CHECK(relu != nullptr, "ConvAddReLU2d", "the ReLU is null (Incorrect types for input modules)");
  push_back("relu", relu);
}

std::shared_ptr<nn::ReLU> ConvAddReLU2d::relu() const {
  return std::dynamic_pointer_cast<nn::ReLU>(get_submodule("relu"));
}

Tensor ConvAddReLU2d::forward(const Tensor& /*input*/) {
  OCTET_FAIL("ConvAddReLU2d", "forward takes two inputs (x1, x2): relu(add(conv(x1), x2))");
}

Tensor ConvAddReLU2d::forward(const Tensor& x1, const Tensor& x2) {
  return relu()->forward(add_(conv()->forward(x1), x2));
}

}  // namespace octet::nn::intrinsic
