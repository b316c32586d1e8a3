// activation.h: torch.nn's activation modules (ReLU ... Softplus, PReLU, Softmax, LogSoftmax).
//
// Each module is a thin owner of its hyper-parameters whose forward calls the octet::functional
// op of the same name (include/octet/functional/activation.h), so the arithmetic, the dtype checks
// and the threading live in one place. Constructors take one options aggregate whose fields are
// PyTorch's keyword arguments with PyTorch's defaults:
//
//   nn::ReLU()   nn::LeakyReLU({.negative_slope = 0.2})   nn::GELU({.approximate = "tanh"})
//   nn::PReLU({.num_parameters = 64})   nn::Softmax(1)
//
// A quantized input runs the quantized op (PyTorch's dispatch by dtype, so the modules work unchanged
// after eager-mode convert()) for ReLU, ReLU6, Hardtanh, Hardswish, Hardsigmoid, Sigmoid, Tanh,
// GELU, ELU and LeakyReLU: clamps (ReLU, ReLU6, Hardtanh) and GELU, ELU, LeakyReLU, Hardswish keep
// the input's qparams; Sigmoid and Hardsigmoid give scale 1/256 (zero point 0 quint8, -128 qint8),
// Tanh 2/256 (128 quint8, 0 qint8). The others reject quantized input.
//
// `inplace` is accepted (and printed, like PyTorch) but ignored: forward always returns a new
// tensor. Printing follows PyTorch's repr: "LeakyReLU(negative_slope=0.2)", "Softmax(dim=1)".
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "octet/nn/cloneable.h"

namespace octet::nn {

struct ReLUOptions {
  bool inplace = false;
};
class ReLU : public Cloneable<ReLU> {
 public:
  explicit ReLU(ReLUOptions options = {}) : options_(options) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  const ReLUOptions& options() const { return options_; }

 private:
  ReLUOptions options_;
};

struct ReLU6Options {
  bool inplace = false;
};
class ReLU6 : public Cloneable<ReLU6> {
 public:
  explicit ReLU6(ReLU6Options options = {}) : options_(options) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  const ReLU6Options& options() const { return options_; }

 private:
  ReLU6Options options_;
};

struct HardtanhOptions {
  double min_val = -1.0;
  double max_val = 1.0;
  bool inplace = false;
};
class Hardtanh : public Cloneable<Hardtanh> {
 public:
  // An Error unless max_val > min_val.
  explicit Hardtanh(HardtanhOptions options = {});
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  const HardtanhOptions& options() const { return options_; }

 private:
  HardtanhOptions options_;
};

struct HardswishOptions {
  bool inplace = false;
};
class Hardswish : public Cloneable<Hardswish> {
 public:
  explicit Hardswish(HardswishOptions options = {}) : options_(options) {}
  Tensor forward(const Tensor& input) override;
  const HardswishOptions& options() const { return options_; }

 private:
  HardswishOptions options_;
};

struct HardsigmoidOptions {
  bool inplace = false;
};
class Hardsigmoid : public Cloneable<Hardsigmoid> {
 public:
  explicit Hardsigmoid(HardsigmoidOptions options = {}) : options_(options) {}
  Tensor forward(const Tensor& input) override;
  const HardsigmoidOptions& options() const { return options_; }

 private:
  HardsigmoidOptions options_;
};

class Sigmoid : public Cloneable<Sigmoid> {
 public:
  Tensor forward(const Tensor& input) override;
};

class Tanh : public Cloneable<Tanh> {
 public:
  Tensor forward(const Tensor& input) override;
};

struct GELUOptions {
  std::string approximate = "none";  // "none" (erf) or "tanh"
};
class GELU : public Cloneable<GELU> {
 public:
  // An Error unless approximate is "none" or "tanh".
  explicit GELU(GELUOptions options = {});
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  const GELUOptions& options() const { return options_; }

 private:
  GELUOptions options_;
};

struct SiLUOptions {
  bool inplace = false;
};
class SiLU : public Cloneable<SiLU> {
 public:
  explicit SiLU(SiLUOptions options = {}) : options_(options) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  const SiLUOptions& options() const { return options_; }

 private:
  SiLUOptions options_;
};

struct MishOptions {
  bool inplace = false;
};
class Mish : public Cloneable<Mish> {
 public:
  explicit Mish(MishOptions options = {}) : options_(options) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  const MishOptions& options() const { return options_; }

 private:
  MishOptions options_;
};

struct ELUOptions {
  double alpha = 1.0;
  bool inplace = false;
};
class ELU : public Cloneable<ELU> {
 public:
  explicit ELU(ELUOptions options = {}) : options_(options) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  const ELUOptions& options() const { return options_; }

 private:
  ELUOptions options_;
};

struct CELUOptions {
  double alpha = 1.0;  // must be nonzero
  bool inplace = false;
};
class CELU : public Cloneable<CELU> {
 public:
  // An Error when alpha is 0.
  explicit CELU(CELUOptions options = {});
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  const CELUOptions& options() const { return options_; }

 private:
  CELUOptions options_;
};

struct LeakyReLUOptions {
  double negative_slope = 0.01;
  bool inplace = false;
};
class LeakyReLU : public Cloneable<LeakyReLU> {
 public:
  explicit LeakyReLU(LeakyReLUOptions options = {}) : options_(options) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  const LeakyReLUOptions& options() const { return options_; }

 private:
  LeakyReLUOptions options_;
};

struct PReLUOptions {
  int64_t num_parameters = 1;  // 1 (one slope shared by all channels) or the channel count
  double init = 0.25;          // the initial slope
};
// Learnable slopes: parameter "weight" of shape [num_parameters], filled with `init`. forward needs
// num_parameters == 1 or an input whose dim 1 has num_parameters channels.
class PReLU : public Cloneable<PReLU> {
 public:
  // An Error when num_parameters < 1.
  explicit PReLU(PReLUOptions options = {});
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  const PReLUOptions& options() const { return options_; }

  Tensor weight;

 private:
  PReLUOptions options_;
};

struct SoftplusOptions {
  double beta = 1.0;
  double threshold = 20.0;
};
class Softplus : public Cloneable<Softplus> {
 public:
  explicit Softplus(SoftplusOptions options = {}) : options_(options) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  const SoftplusOptions& options() const { return options_; }

 private:
  SoftplusOptions options_;
};

// Softmax and LogSoftmax along `dim` (negative counts from the end). Without a dim they use
// PyTorch's legacy choice: dim 0 for 0-, 1- and 3-d inputs, dim 1 otherwise.
class Softmax : public Cloneable<Softmax> {
 public:
  explicit Softmax(std::optional<int64_t> dim = std::nullopt) : dim_(dim) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  std::optional<int64_t> dim() const { return dim_; }

 private:
  std::optional<int64_t> dim_;
};

class LogSoftmax : public Cloneable<LogSoftmax> {
 public:
  explicit LogSoftmax(std::optional<int64_t> dim = std::nullopt) : dim_(dim) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  std::optional<int64_t> dim() const { return dim_; }

 private:
  std::optional<int64_t> dim_;
};

}  // namespace octet::nn
