// fused.h: nn::intrinsic's fused float modules (torch.ao.nn.intrinsic): the containers fuse_modules puts in place of conv/linear + bn + relu runs, so convert() swaps each for one quantized module.
//
// Each is a Sequential of PyTorch's children "0", "1", ... and runs them in order; the float output
// is exactly that of the unfused modules. Their quantized counterparts are in
// octet/nn/intrinsic/quantized/. In eval mode fuse_modules folds the BatchNorm into the conv or
// linear weights (nn::utils::fuse_conv_bn_eval, octet/nn/intrinsic/fusion.h) and gives
// ConvReLU2d / Conv2d; the ConvBn* containers keep the BatchNorm for quantization-aware training.
//
//   auto f = std::make_shared<nn::intrinsic::ConvBnReLU2d>(conv, bn, relu);   // types checked
//   f->conv()->weight ...; f->forward(x) == relu(bn(conv(x)))
//
// ConvAdd2d / ConvAddReLU2d take two inputs: forward(x1, x2) = [relu](add(conv(x1), x2)); their
// children are "0" (the conv) and, for the ReLU form, "relu", as PyTorch's.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "octet/nn/activation.h"
#include "octet/nn/batchnorm.h"
#include "octet/nn/cloneable.h"
#include "octet/nn/container.h"
#include "octet/nn/conv.h"
#include "octet/nn/linear.h"

namespace octet::nn::intrinsic {

// torch.ao.nn.intrinsic._FusedModule: the common base, so passes can tell a fused run from a plain
// Sequential (dynamic_cast<const FusedModule*>).
class FusedModule : public Sequential {
 protected:
  FusedModule() = default;
  FusedModule(const FusedModule&) = default;
  // Registers the modules as "0", "1", ...; a null module is an Error naming `module`.
  void add_children(const std::string& module, std::initializer_list<ModulePtr> modules);
};

// Declares a fused container of typed children, checked at construction like PyTorch's asserts
// ("Incorrect types for input modules"). The accessors return the children as their types.
#define OCTET_NNI_FUSED_2(Name, T0, a0, T1, a1)                                          \
  class Name : public Cloneable<Name, FusedModule> {                                   \
   public:                                                                             \
    Name(std::shared_ptr<T0> a0, std::shared_ptr<T1> a1);                              \
    std::shared_ptr<T0> a0() const { return at<T0>(0); }                               \
    std::shared_ptr<T1> a1() const { return at<T1>(1); }                               \
  }
#define OCTET_NNI_FUSED_3(Name, T0, a0, T1, a1, T2, a2)                                  \
  class Name : public Cloneable<Name, FusedModule> {                                   \
   public:                                                                             \
    Name(std::shared_ptr<T0> a0, std::shared_ptr<T1> a1, std::shared_ptr<T2> a2);      \
    std::shared_ptr<T0> a0() const { return at<T0>(0); }                               \
    std::shared_ptr<T1> a1() const { return at<T1>(1); }                               \
    std::shared_ptr<T2> a2() const { return at<T2>(2); }                               \
  }

// conv + relu
OCTET_NNI_FUSED_2(ConvReLU1d, nn::Conv1d, conv, nn::ReLU, relu);
OCTET_NNI_FUSED_2(ConvReLU2d, nn::Conv2d, conv, nn::ReLU, relu);
OCTET_NNI_FUSED_2(ConvReLU3d, nn::Conv3d, conv, nn::ReLU, relu);
// conv + batch norm (BatchNorm1d/2d/3d matching the conv's dims)
OCTET_NNI_FUSED_2(ConvBn1d, nn::Conv1d, conv, nn::BatchNorm1d, bn);
OCTET_NNI_FUSED_2(ConvBn2d, nn::Conv2d, conv, nn::BatchNorm2d, bn);
OCTET_NNI_FUSED_2(ConvBn3d, nn::Conv3d, conv, nn::BatchNorm3d, bn);
// conv + batch norm + relu
OCTET_NNI_FUSED_3(ConvBnReLU1d, nn::Conv1d, conv, nn::BatchNorm1d, bn, nn::ReLU, relu);
OCTET_NNI_FUSED_3(ConvBnReLU2d, nn::Conv2d, conv, nn::BatchNorm2d, bn, nn::ReLU, relu);
OCTET_NNI_FUSED_3(ConvBnReLU3d, nn::Conv3d, conv, nn::BatchNorm3d, bn, nn::ReLU, relu);
// linear + relu, linear + batch norm
OCTET_NNI_FUSED_2(LinearReLU, nn::Linear, linear, nn::ReLU, relu);
OCTET_NNI_FUSED_2(LinearBn1d, nn::Linear, linear, nn::BatchNorm1d, bn);
// batch norm + relu
OCTET_NNI_FUSED_2(BNReLU2d, nn::BatchNorm2d, bn, nn::ReLU, relu);
OCTET_NNI_FUSED_2(BNReLU3d, nn::BatchNorm3d, bn, nn::ReLU, relu);

#undef OCTET_NNI_FUSED_2
#undef OCTET_NNI_FUSED_3

// The binary op of ConvAdd2d: PyTorch stores torch.add; any (a, b) -> a + b on float tensors works.
using AddFunction = std::function<Tensor(const Tensor&, const Tensor&)>;

// conv2d + add: forward(x1, x2) = add(conv(x1), x2). The single-input forward is an Error.
class ConvAdd2d : public Cloneable<ConvAdd2d, FusedModule> {
 public:
  // add empty: F::add.
  explicit ConvAdd2d(std::shared_ptr<nn::Conv2d> conv, AddFunction add = {});
  Tensor forward(const Tensor& input) override;
  Tensor forward(const Tensor& x1, const Tensor& x2);
  std::shared_ptr<nn::Conv2d> conv() const { return at<nn::Conv2d>(0); }

 private:
  AddFunction add_;
};

// conv2d + add + relu: forward(x1, x2) = relu(add(conv(x1), x2)); children "0" (conv) and "relu".
class ConvAddReLU2d : public Cloneable<ConvAddReLU2d, FusedModule> {
 public:
  ConvAddReLU2d(std::shared_ptr<nn::Conv2d> conv, AddFunction add, std::shared_ptr<nn::ReLU> relu);
  Tensor forward(const Tensor& input) override;
  Tensor forward(const Tensor& x1, const Tensor& x2);
  std::shared_ptr<nn::Conv2d> conv() const { return at<nn::Conv2d>(0); }
  std::shared_ptr<nn::ReLU> relu() const;

 private:
  AddFunction add_;
};

}  // namespace octet::nn::intrinsic
