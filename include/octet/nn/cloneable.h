// cloneable.h: octet::nn::Cloneable<Derived>, the CRTP base that gives a module a deep clone().
//
// Derive a module from Cloneable<Derived> (or Cloneable<Derived, Base> to extend another
// Cloneable module) instead of Module:
//
//   class Net : public nn::Cloneable<Net> { ... };
//   std::shared_ptr<Net> copy = net->clone();
//
// clone() copy-constructs Derived (so every plain member, hyper-parameter and the registries are
// copied), then Module::finish_clone gives the copy its own children (cloned recursively, keeping
// their dynamic types) and its own tensor storage, and rebinds members registered with a member
// pointer (see module.h). Nothing is re-initialized and no random numbers are drawn, so modules
// whose registries were changed after construction (swapped children, attached observers,
// replaced tensors) clone as they are.
#pragma once

#include <memory>
#include <type_traits>
#include <typeinfo>

#include "octet/nn/module.h"

namespace octet::nn {

template <typename Derived, typename Base = Module>
class Cloneable : public Base {
 public:
  static_assert(std::is_base_of_v<Module, Base>, "Cloneable: Base must be octet::nn::Module or derive from it");
  using Base::Base;

  // The deep copy, typed as Derived (Module::clone() gives the same object as a Module).
  std::shared_ptr<Derived> clone() const { return std::dynamic_pointer_cast<Derived>(Module::clone()); }

 protected:
  std::shared_ptr<Module> clone_impl(detail::CloneMemo& memo) const override {
    static_assert(std::is_base_of_v<Cloneable, Derived>, "Cloneable<Derived>: Derived must derive from it");
    static_assert(std::is_copy_constructible_v<Derived>,
                  "Cloneable<Derived>: Derived must be copy-constructible (clone() copies it)");
    // A subclass of Derived that is not itself Cloneable would be sliced to Derived.
    OCTET_CHECK(typeid(*this) == typeid(Derived), "clone", this->name(), " derives from ",
                detail::demangle(typeid(Derived)), " without its own Cloneable; derive it from Cloneable<",
                this->name(), ", ", detail::demangle(typeid(Derived)), "> so clone() copies all of it");
    const auto& self = static_cast<const Derived&>(*this);
    const detail::AliasSnapshot before = this->alias_snapshot();
    auto copy = std::make_shared<Derived>(self);
    this->finish_clone(*copy, before, memo);
    return copy;
  }
};

}  // namespace octet::nn
