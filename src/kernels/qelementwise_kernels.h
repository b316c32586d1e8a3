// qelementwise_kernels.h: the 8-bit elementwise microkernels (add, mul, clamp, 256-entry lookup) and their dispatch.
//
// Kernel names follow docs/naming.md: qu8_vadd__avx2 reads "quint8 in and out, elementwise add,
// AVX2"; a `c` suffix (qu8_vaddc) takes the second operand as one element; x8_lut works on bytes of
// either signedness. Kernels are plain functions over raw pointers: they never allocate, thread or
// validate user input. Every ISA variant equals the __scalar one bit for bit on every input and for
// every parameter set, in every rounding mode (tests/kernels/qelementwise_kernels_test.cpp).
//
// --- add: qu8_vadd, qs8_vadd (and vaddc) ------------------------------------------------------
//
//   x = fma(a_scale, (float)a, a_bias)        a_bias = a_scale * -(float)a_zero_point   (float32)
//   y = fma(b_scale, (float)b, b_bias)        b_bias = b_scale * -(float)b_zero_point
//   t = x + y                                  float32 add
//   q = clamp(nearbyint(t * inv_output_scale) + output_zero_point, qmin, qmax)
//
// fma is one correctly rounded fused multiply-add (IEEE 754 fusedMultiplyAdd). It is a defined
// operation, not a compiler contraction: the scalar kernel computes it exactly in double (a_scale *
// a has at most 32 significant bits and a_bias is a multiple of a_scale's last bit, so the double
// sum is exact and the conversion to float is its one rounding), the x86 kernels with vfmadd. Both
// give the same bits in every rounding mode.
//
// Why this form and not the plain dequantize (float)(a - a_zero_point) * a_scale: it is how
// PyTorch's x86/fbgemm kernel dequantizes (Vectorized<quint8>::dequantize with the premultiplied
// -zero_point * scale, an FMA on AVX2 and AVX-512), followed by the same float add and the same
// fbgemm quantize. On the golden file (scripts/golden/gen_quantized_elementwise.py, every operand
// pair of two parameter sets plus broadcast cases, 138,360 elements) it reproduces
// torch.ops.quantized.add on every element; the plain dequantize misses 1,004 (0.7%, each by one
// step). Over 344,850 further random elements (300 parameter sets) it missed 9 against the plain
// form's 306: PyTorch's scalar tail loop (the last < 128 elements of a contiguous run) dequantizes
// the plain way, so PyTorch itself is not consistent there.
//
// A fused ReLU (add_relu) is qmin = max(qmin, output_zero_point): quantize is monotone and maps 0
// to the zero point, so clamping the float sum at 0 first gives the same integers. NaN cannot
// arise from operator parameters; if extreme scales make t NaN it gives qmax, as quantize does.
//
// --- mul: qu8_vmul, qs8_vmul (and vmulc) --------------------------------------------------------
//
//   acc = (a - a_zero_point) * (b - b_zero_point)             exact int32 (|acc| <= 65025)
//   q   = clamp(nearbyint((float)acc * multiplier) + output_zero_point, qmin, qmax)
//   multiplier = (float)a_scale * (float)b_scale * (1.0f / (float)output_scale)   (float32, in
//                this order: PyTorch's qmul_kernel; it matched torch.ops.quantized.mul on every
//                one of 3.9 million elements, quint8 and qint8; the divide form
//                a_scale * b_scale / output_scale, which rounds differently for 60 of those
//                parameter sets, missed 8)
//
// This is Octet's requantization contract (one float32 multiply, no FMA) on an exact integer
// product. A fused ReLU is qmin = max(qmin, output_zero_point), as PyTorch clamps mul_relu.
//
// --- clamp: qu8_vclamp, qs8_vclamp ----------------------------------------------------------------
//
//   y = min(max(x, min), max)          integers; with min > max every output is max (torch.clamp)
//
// relu, relu6, hardtanh and clamp on quantized tensors keep the input's qparams: they clamp the
// stored integers at quantize(bound) (PyTorch's qclamp_kernel).
//
// --- lookup: x8_lut ---------------------------------------------------------------------------------
//
//   y[i] = table[x[i]]                 x read as an unsigned byte (qint8 bit patterns index 128..255
//                                      for -128..-1)
//
// Any function of one 8-bit value is a table: the activations (build_x8_lut_table below) and
// requantization to other qparams (cat).
//
// Preconditions (asserted in debug builds, not checked in release): qmin <= qmax inside the
// output type's range; zero points inside their type's range; multipliers and scales finite.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "kernels/quantize_kernels.h"  // KernelInfo
#include "octet/cpu_features.h"

namespace octet::kernels {

// Parameters of qu8_vadd / qs8_vadd (and vaddc). Build them with make_qadd_params, which computes
// the biases and the reciprocal the way the formula above says.
struct QAddParams {
  float a_scale;
  float a_bias;  // a_scale * -(float)a_zero_point, rounded to float32
  float b_scale;
  float b_bias;
  float inv_output_scale;  // 1.0f / output_scale
  int32_t output_zero_point;
  int32_t qmin;
  int32_t qmax;
};

inline QAddParams make_qadd_params(float a_scale, int32_t a_zero_point, float b_scale, int32_t b_zero_point,
                                   float output_scale, int32_t output_zero_point, int32_t qmin, int32_t qmax) {
  return QAddParams{a_scale,
                    a_scale * -static_cast<float>(a_zero_point),
                    b_scale,
                    b_scale * -static_cast<float>(b_zero_point),
                    1.0f / output_scale,
                    output_zero_point,
                    qmin,
                    qmax};
}

// Parameters of qu8_vmul / qs8_vmul (and vmulc).
struct QMulParams {
  int32_t a_zero_point;
  int32_t b_zero_point;
  float multiplier;  // a_scale * b_scale * (1.0f / output_scale), float32, left to right
  int32_t output_zero_point;
  int32_t qmin;
  int32_t qmax;
};

inline QMulParams make_qmul_params(float a_scale, int32_t a_zero_point, float b_scale, int32_t b_zero_point,
                                   float output_scale, int32_t output_zero_point, int32_t qmin, int32_t qmax) {
  return QMulParams{a_zero_point, b_zero_point, a_scale * b_scale * (1.0f / output_scale), output_zero_point,
                    qmin, qmax};
}

// Parameters of qu8_vclamp / qs8_vclamp: bounds inside the element type's range.
struct QClampParams {
  int32_t min;
  int32_t max;
};

// y[i] = a[i] op b[i] for i < n; y may alias a or b.
using qu8_vadd_fn = void (*)(size_t n, const uint8_t* a, const uint8_t* b, uint8_t* y, const QAddParams* p);
using qs8_vadd_fn = void (*)(size_t n, const int8_t* a, const int8_t* b, int8_t* y, const QAddParams* p);
// y[i] = a[i] op b[0]: the second operand is one element (a broadcast scalar), same answers as
// the vector kernel given b[i] == b[0].
using qu8_vaddc_fn = qu8_vadd_fn;
using qs8_vaddc_fn = qs8_vadd_fn;
using qu8_vmul_fn = void (*)(size_t n, const uint8_t* a, const uint8_t* b, uint8_t* y, const QMulParams* p);
using qs8_vmul_fn = void (*)(size_t n, const int8_t* a, const int8_t* b, int8_t* y, const QMulParams* p);
using qu8_vmulc_fn = qu8_vmul_fn;
using qs8_vmulc_fn = qs8_vmul_fn;
// y[i] = table[x[i]] (256 bytes); y may alias x.
using x8_lut_fn = void (*)(size_t n, const uint8_t* x, uint8_t* y, const uint8_t* table);
// y[i] = min(max(x[i], p->min), p->max); y may alias x.
using qu8_vclamp_fn = void (*)(size_t n, const uint8_t* x, uint8_t* y, const QClampParams* p);
using qs8_vclamp_fn = void (*)(size_t n, const int8_t* x, int8_t* y, const QClampParams* p);

// The chosen kernel of each family.
struct QElementwiseKernels {
  qu8_vadd_fn qu8_vadd;
  qs8_vadd_fn qs8_vadd;
  qu8_vaddc_fn qu8_vaddc;
  qs8_vaddc_fn qs8_vaddc;
  qu8_vmul_fn qu8_vmul;
  qs8_vmul_fn qs8_vmul;
  qu8_vmulc_fn qu8_vmulc;
  qs8_vmulc_fn qs8_vmulc;
  x8_lut_fn x8_lut;
  qu8_vclamp_fn qu8_vclamp;
  qs8_vclamp_fn qs8_vclamp;
  Isa isa;  // the level the kernels were picked at
};

// The best usable variant of each family for the current ISA cap (re-picked when set_max_isa
// changes the cap). Cheap: a table lookup. Throws the Error of an invalid OCTET_MAX_ISA.
const QElementwiseKernels& qelementwise_kernels();
// The scalar reference variants (the specification).
const QElementwiseKernels& qelementwise_kernels_ref();
// The variants compiled for one level, or nullptr when that level has no kernels of this family set.
const QElementwiseKernels* qelementwise_kernels_for(Isa isa);
// Every microkernel of qelementwise_kernels.inc compiled into this build, best ISA first per family.
const std::vector<KernelInfo>& qelementwise_compiled_kernels();

// --- lookup tables for 8-bit activations ------------------------------------------------------

// The function a table holds, with f's float32 value on a float32 input x:
//   Identity     x                                                     (requantization)
//   Sigmoid      1 / (1 + e^-x)                                        double, rounded once
//   Tanh         tanh(x)                                               double, rounded once
//   Gelu         x / 2 * (1 + erf(x / sqrt 2))                         double, rounded once
//   GeluTanh     x / 2 * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 x^3))) double, rounded once
//   Silu         x / (1 + e^-x)                                        double, rounded once
//   Hardsigmoid  min(max(x + 3, 0), 6) / 6                             float32, in this order
//   Hardswish    x * min(max(x + 3, 0), 6) / 6                         float32, left to right
//   LeakyRelu    x > 0 ? x : x * a                                     float32, a = (float)alpha
//   Elu          x >= 0 ? x * s : expm1(x * g) * a * s                 float32 (x * g, then the
//                                                                      product left to right), expm1
//                                                                      in double rounded once;
//                                                                      a, s, g = (float)alpha, beta, gamma
// The transcendental functions are evaluated in double and rounded once, so the table holds the
// correctly rounded function (except within a double rounding error of a float32 tie) on every
// CPU. The piecewise-linear ones are exactly PyTorch's float32 expressions (its kernels take the
// coefficients as float), which a double evaluation would round differently at ties: with it,
// PyTorch's hardswish / elu / leaky_relu agree in every golden case instead of a few in a thousand
// differing by one.
enum class LutFunction : uint8_t {
  Identity,
  Sigmoid,
  Tanh,
  Hardsigmoid,
  Hardswish,
  Elu,
  LeakyRelu,
  Gelu,
  GeluTanh,
  Silu,
};

struct LutFunctionParams {
  LutFunction function = LutFunction::Identity;
  double alpha = 1.0;  // Elu alpha, LeakyRelu negative_slope
  double beta = 1.0;   // Elu scale
  double gamma = 1.0;  // Elu input_scale
};

// f(x) as listed above.
float lut_function_value(const LutFunctionParams& f, float x);

// How a table dequantizes its input: Octet's dequantize, or the premultiplied FMA form of the add
// kernel, fma(scale, (float)q, scale * -(float)zero_point) (exact, see `add` above). PyTorch's x86
// kernels use the FMA form in their vectorized loops for tanh, hardsigmoid, hardswish, elu,
// leaky_relu and gelu, and the plain one for sigmoid and for dequantize / requantize; the tables
// follow each op's form, which makes them equal PyTorch's vectorized results wherever the two
// forms round differently (a few inputs in a thousand, each one step).
enum class LutDequantize : uint8_t {
  Plain,      // (float)(q - zero_point) * scale
  PremulFma,  // fma(scale, (float)q, scale * -(float)zero_point)
};

// The quantized types around a table: input and output share the signedness (quint8 or qint8).
struct LutQParams {
  bool is_signed;  // qint8 (codes are int8 bit patterns) or quint8
  float input_scale;
  int32_t input_zero_point;
  float output_scale;
  int32_t output_zero_point;
  int32_t qmin;  // output range, inside the type's
  int32_t qmax;
  LutDequantize dequantize = LutDequantize::Plain;
};

// table[code] for every byte code:
//   q = code as the input type (uint8, or the int8 bit pattern)
//   x = the dequantized q, in the form q.dequantize says                  float32
//   y = lut_function_value(f, x)
//   table[code] = clamp(nearbyint(y * (1.0f / output_scale)) + output_zero_point, qmin, qmax)
// The last line is Octet's quantize (NaN gives qmax).
void build_x8_lut_table(const LutQParams& q, const LutFunctionParams& f, uint8_t table[256]);

}  // namespace octet::kernels
