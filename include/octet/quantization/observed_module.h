// observed_module.h: how prepare() attaches an output observer to a float module: it swaps the module
// for an Observed<T>, a T that also passes its output through "activation_post_process".
//
// PyTorch adds the observer as a child and a forward hook. Octet modules call each other's forward
// directly, so there is no hook to add; instead prepare() replaces conv1 (an nn::Conv2d) with an
// Observed<nn::Conv2d> copied from it. The copy is still an nn::Conv2d (a typed member keeps
// holding it), keeps its parameters and their names, prints as "Conv2d(...)" with the observer as
// a child, and its state dict gains "conv1.activation_post_process.*" as PyTorch's prepared model's
// does. convert() reads float_type() to find the quantized class in its mapping.
#pragma once

#include <memory>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <utility>

#include "octet/quantization/activation_post_process.h"

namespace octet::quantization {

// What every observed module answers, whatever its float type.
class ObservedModule {
 public:
  virtual ~ObservedModule() = default;
  // The float module's class (typeid(nn::Conv2d) for an Observed<nn::Conv2d>).
  virtual const std::type_info& float_type() const = 0;
  // Its output observer (the child "activation_post_process").
  virtual const ActivationPostProcess& observer() const = 0;
};

// T: a float module with a single-tensor forward returning a Tensor, copy-constructible (every
// Cloneable module is).
template <typename T>
class Observed final : public T, public ObservedModule {
 public:
  static_assert(std::is_base_of_v<nn::Module, T>, "Observed<T>: T must be a Module");
  static_assert(std::is_copy_constructible_v<T>, "Observed<T>: T must be copy-constructible");

  // A copy of `float_module` (sharing its tensors and children) observed by `observer` (not null).
  Observed(const T& float_module, std::shared_ptr<ActivationPostProcess> observer) : T(float_module) {
    OCTET_CHECK(observer != nullptr, "prepare", "the observer for ", T::name(), " is null");
    this->register_module("activation_post_process", &Observed::activation_post_process_, std::move(observer));
  }

  Tensor forward(const Tensor& input) override { return activation_post_process_->forward(T::forward(input)); }

  // The float module's name: an observed Conv2d still prints as "Conv2d(...)".
  std::string name() const override {
    std::string n = T::name();
    return n.rfind("Observed<", 0) == 0 ? nn::detail::short_type_name(typeid(T)) : n;
  }
  const std::type_info& float_type() const override { return typeid(T); }
  const ActivationPostProcess& observer() const override { return *activation_post_process_; }

 protected:
  Observed(const Observed&) = default;
  std::shared_ptr<nn::Module> clone_impl(nn::detail::CloneMemo& memo) const override {
    const nn::detail::AliasSnapshot before = this->alias_snapshot();
    std::shared_ptr<Observed> copy(new Observed(*this));
    this->finish_clone(*copy, before, memo);
    return copy;
  }

 private:
  std::shared_ptr<ActivationPostProcess> activation_post_process_;
};

}  // namespace octet::quantization
