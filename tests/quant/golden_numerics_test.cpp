// golden_numerics_test.cpp: Octet's quantization numerics against PyTorch's golden answers, bit for bit.
//
// The data comes from scripts/gen_golden_numerics.py (regenerate with
// `python3 scripts/gen_golden_numerics.py`). Every expected value is PyTorch's, except in cases
// that list a "divergence": there the file holds Octet's contract (docs/numerics.md) and keeps
// PyTorch's answer under torch_q / torch_dq, which the failure message quotes.
#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <fstream>
#include <iomanip>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "octet/octet.h"

namespace octet {
namespace {

using nlohmann::json;

// --- loading and decoding ------------------------------------------------------------------------

const json& golden() {
  static const json data = [] {
    const std::string path = std::string(OCTET_TEST_DATA_DIR) + "/golden_numerics.json";
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open " + path);
    return json::parse(in);
  }();
  return data;
}

const json& category(const char* name) {
  const json& g = golden();
  if (!g.contains(name)) throw std::runtime_error(std::string("golden file has no category ") + name);
  return g.at(name);
}

float f32(const json& hex) {
  return std::bit_cast<float>(static_cast<uint32_t>(std::stoul(hex.get<std::string>(), nullptr, 16)));
}
double f64(const json& hex) {
  return std::bit_cast<double>(static_cast<uint64_t>(std::stoull(hex.get<std::string>(), nullptr, 16)));
}
std::vector<float> f32s(const json& a) {
  std::vector<float> v;
  v.reserve(a.size());
  for (const auto& e : a) v.push_back(f32(e));
  return v;
}
std::vector<double> f64s(const json& a) {
  std::vector<double> v;
  v.reserve(a.size());
  for (const auto& e : a) v.push_back(f64(e));
  return v;
}
std::vector<int64_t> i64s(const json& a) { return a.get<std::vector<int64_t>>(); }
Shape shape_of(const json& a) { return a.get<std::vector<int64_t>>(); }

DType dtype_of_name(const std::string& n) {
  if (n == "quint8") return kQUInt8;
  if (n == "qint8") return kQInt8;
  if (n == "qint32") return kQInt32;
  if (n == "quint4x2") return kQUInt4x2;
  throw std::runtime_error("unknown dtype " + n);
}

QScheme qscheme_of_name(const std::string& n) {
  if (n == "per_tensor_affine") return kPerTensorAffine;
  if (n == "per_tensor_symmetric") return kPerTensorSymmetric;
  if (n == "per_channel_affine") return kPerChannelAffine;
  if (n == "per_channel_symmetric") return kPerChannelSymmetric;
  if (n == "per_channel_affine_float_qparams") return kPerChannelAffineFloatQParams;
  throw std::runtime_error("unknown qscheme " + n);
}

// --- formatting ----------------------------------------------------------------------------------

std::string fmt(float v) {
  std::ostringstream os;
  os << std::setprecision(9) << v << " (0x" << std::hex << std::setw(8) << std::setfill('0')
     << std::bit_cast<uint32_t>(v) << ")";
  return os.str();
}
std::string fmt(double v) {
  std::ostringstream os;
  os << std::setprecision(17) << v << " (0x" << std::hex << std::setw(16) << std::setfill('0')
     << std::bit_cast<uint64_t>(v) << ")";
  return os.str();
}
std::string fmt(int64_t v) { return std::to_string(v); }

bool same_bits(float a, float b) { return std::bit_cast<uint32_t>(a) == std::bit_cast<uint32_t>(b); }

// What PyTorch returned at index i, when it differs from the expected value there (the case is
// one where Octet's contract and PyTorch disagree), for the failure message.
std::string torch_note(const json& c, const char* key, const char* expected_key, size_t i, bool is_float) {
  if (!c.contains(key)) return "";
  const json& t = c.at(key).at(i);
  if (t == c.at(expected_key).at(i)) return "";
  std::string s = std::string("; PyTorch gives ") + (is_float ? fmt(f32(t)) : fmt(t.get<int64_t>())) +
                  ", the contract differs here";
  if (c.contains("divergence")) s += " (" + c.at("divergence").dump() + ")";
  return s;
}

// Collects mismatches of one TEST and reports the first few in full, then a count.
class Mismatches {
 public:
  explicit Mismatches(std::string test) : test_(std::move(test)) {}
  Mismatches(const Mismatches&) = delete;
  Mismatches& operator=(const Mismatches&) = delete;
  ~Mismatches() {
    if (count_ > kShown) {
      ADD_FAILURE() << test_ << ": " << count_ << " mismatches in all (" << kShown << " shown)";
    }
  }

  void add(const std::string& case_name, const std::string& what, int64_t index,
           const std::string& input, const std::string& expected, const std::string& actual,
           const std::string& note = "") {
    if (++count_ > kShown) return;
    ADD_FAILURE() << test_ << " case \"" << case_name << "\" " << what << " [" << index << "]"
                  << (input.empty() ? "" : " input " + input) << ": expected " << expected
                  << ", got " << actual << note;
  }
  void error(const std::string& case_name, const std::string& what, const std::exception& e) {
    ++count_;
    if (count_ > kShown) return;
    ADD_FAILURE() << test_ << " case \"" << case_name << "\" " << what << " threw: " << e.what();
  }
  int64_t count() const { return count_; }

 private:
  static constexpr int64_t kShown = 40;
  std::string test_;
  int64_t count_ = 0;
};

// --- reading Octet tensors -----------------------------------------------------------------------

// The integers of a quantized tensor in row-major order (quint4x2 unpacked: element 2i is the
// low nibble of byte i).
std::vector<int64_t> q_values(const Tensor& q) {
  const Tensor c = q.contiguous();
  const int64_t n = c.numel();
  std::vector<int64_t> v(static_cast<size_t>(n));
  switch (c.dtype()) {
    case DType::QUInt8: {
      const uint8_t* p = c.data_ptr<uint8_t>();
      for (int64_t i = 0; i < n; ++i) v[i] = p[i];
      break;
    }
    case DType::QInt8: {
      const int8_t* p = c.data_ptr<int8_t>();
      for (int64_t i = 0; i < n; ++i) v[i] = p[i];
      break;
    }
    case DType::QInt32: {
      const int32_t* p = c.data_ptr<int32_t>();
      for (int64_t i = 0; i < n; ++i) v[i] = p[i];
      break;
    }
    case DType::QUInt4x2: {
      const uint8_t* p = c.data_ptr<uint8_t>();
      for (int64_t i = 0; i < n; ++i) v[i] = (p[i / 2] >> (4 * (i % 2))) & 0x0f;
      break;
    }
    default:
      throw std::runtime_error("q_values: not a quantized tensor");
  }
  return v;
}

std::vector<float> float_values(const Tensor& t) {
  if (t.dtype() != kFloat32) throw std::runtime_error("expected a float32 tensor");
  const Tensor c = t.contiguous();
  const float* p = c.data_ptr<float>();
  return std::vector<float>(p, p + c.numel());
}

// An integer tensor of the storage type of a quantized dtype (uint8 / int8 / int32).
Tensor int_tensor(DType qdtype, const std::vector<int64_t>& v, const Shape& shape = {}) {
  switch (qdtype) {
    case DType::QUInt8: return from_vector(std::vector<uint8_t>(v.begin(), v.end()), shape);
    case DType::QInt8: return from_vector(std::vector<int8_t>(v.begin(), v.end()), shape);
    case DType::QInt32: return from_vector(std::vector<int32_t>(v.begin(), v.end()), shape);
    default: throw std::runtime_error("int_tensor: no integer storage type for this dtype");
  }
}

// Compares integers and dequantized floats of one case against "q" / "dq".
void check_q(Mismatches& m, const json& c, const std::string& what,
             const std::vector<int64_t>& got, const std::vector<float>* inputs = nullptr) {
  const auto& exp = c.at("q");
  if (got.size() != exp.size()) {
    m.add(c.at("name"), what + " size", 0, "", fmt(static_cast<int64_t>(exp.size())),
          fmt(static_cast<int64_t>(got.size())));
    return;
  }
  for (size_t i = 0; i < got.size(); ++i) {
    const auto e = exp[i].get<int64_t>();
    if (got[i] != e) {
      m.add(c.at("name"), what, static_cast<int64_t>(i), inputs ? fmt((*inputs)[i]) : "", fmt(e),
            fmt(got[i]), torch_note(c, "torch_q", "q", i, false));
    }
  }
}

void check_dq(Mismatches& m, const json& c, const std::string& what, const std::vector<float>& got) {
  const auto& exp = c.at("dq");
  if (got.size() != exp.size()) {
    m.add(c.at("name"), what + " size", 0, "", fmt(static_cast<int64_t>(exp.size())),
          fmt(static_cast<int64_t>(got.size())));
    return;
  }
  for (size_t i = 0; i < got.size(); ++i) {
    const float e = f32(exp[i]);
    if (!same_bits(got[i], e)) {
      m.add(c.at("name"), what, static_cast<int64_t>(i),
            "q=" + fmt(c.at("q").at(i).get<int64_t>()), fmt(e), fmt(got[i]),
            torch_note(c, "torch_dq", "dq", i, true));
    }
  }
}

// --- a. quantize_per_tensor ----------------------------------------------------------------------

TEST(GoldenNumerics, QuantizePerTensor) {
  Mismatches m("QuantizePerTensor");
  int64_t values = 0;
  for (const auto& c : category("quantize_per_tensor")) {
    const std::string name = c.at("name");
    const DType dt = dtype_of_name(c.at("dtype"));
    const double scale = f64(c.at("scale"));
    const int64_t zp = c.at("zero_point");
    const std::vector<float> x = f32s(c.at("x"));
    values += static_cast<int64_t>(x.size());
    try {
      const Tensor q = quantize_per_tensor(from_vector(x), scale, zp, dt);
      if (q.dtype() != dt) {
        m.add(name, "dtype", 0, "", std::string(dtype_name(dt)), std::string(dtype_name(q.dtype())));
        continue;
      }
      if (q.q_scale() != scale) m.add(name, "q_scale", 0, "", fmt(scale), fmt(q.q_scale()));
      if (q.q_zero_point() != zp) m.add(name, "q_zero_point", 0, "", fmt(zp), fmt(q.q_zero_point()));
      check_q(m, c, "quantize_per_tensor", q_values(q), &x);
      check_dq(m, c, "dequantize", float_values(q.dequantize()));
    } catch (const std::exception& e) {
      m.error(name, "quantize_per_tensor", e);
    }
  }
  EXPECT_GT(values, 10000);
}

// The scalar specification functions on the same data: quantize_value / dequantize_value.
TEST(GoldenNumerics, QuantizeValueScalar) {
  Mismatches m("QuantizeValueScalar");
  for (const auto& c : category("quantize_per_tensor")) {
    const std::string name = c.at("name");
    const DType dt = dtype_of_name(c.at("dtype"));
    const auto scale = static_cast<float>(f64(c.at("scale")));
    const int64_t zp = c.at("zero_point");
    const std::vector<float> x = f32s(c.at("x"));
    const auto& q = c.at("q");
    const auto& dq = c.at("dq");
    for (size_t i = 0; i < x.size(); ++i) {
      const int64_t eq = q[i];
      const int64_t got = quantize_value(x[i], scale, zp, dtype_qmin(dt), dtype_qmax(dt));
      if (got != eq) {
        m.add(name, "quantize_value", static_cast<int64_t>(i), fmt(x[i]), fmt(eq), fmt(got),
              torch_note(c, "torch_q", "q", i, false));
      }
      const float gd = dequantize_value(eq, scale, zp);
      if (!same_bits(gd, f32(dq[i]))) {
        m.add(name, "dequantize_value", static_cast<int64_t>(i), "q=" + fmt(eq), fmt(f32(dq[i])),
              fmt(gd), torch_note(c, "torch_dq", "dq", i, true));
      }
    }
  }
}

// --- b. quantize_per_channel -----------------------------------------------------------------------

TEST(GoldenNumerics, QuantizePerChannel) {
  Mismatches m("QuantizePerChannel");
  for (const auto& c : category("quantize_per_channel")) {
    const std::string name = c.at("name");
    const DType dt = dtype_of_name(c.at("dtype"));
    const Shape shape = shape_of(c.at("shape"));
    const int64_t axis = c.at("axis");
    const std::vector<double> scales = f64s(c.at("scales"));
    const std::vector<int64_t> zps = i64s(c.at("zero_points"));
    const std::vector<float> x = f32s(c.at("x"));
    try {
      const Tensor xt = from_vector(x, shape);
      const Tensor q = quantize_per_channel(xt, scales, zps, axis, dt);
      if (q.q_per_channel_axis() != c.at("torch_axis").get<int64_t>()) {
        m.add(name, "q_per_channel_axis", 0, "", fmt(c.at("torch_axis").get<int64_t>()),
              fmt(q.q_per_channel_axis()));
      }
      check_q(m, c, "quantize_per_channel", q_values(q), &x);
      check_dq(m, c, "dequantize", float_values(q.dequantize()));
      // The Tensor overload (float64 scales, int64 zero points) gives the same integers.
      const Tensor q2 = quantize_per_channel(xt, from_vector(scales), from_vector(zps), axis, dt);
      check_q(m, c, "quantize_per_channel(Tensor scales)", q_values(q2), &x);
    } catch (const std::exception& e) {
      m.error(name, "quantize_per_channel", e);
    }
  }
}

TEST(GoldenNumerics, QuantizePerChannelFloatQParams) {
  Mismatches m("QuantizePerChannelFloatQParams");
  for (const auto& c : category("quantize_per_channel_float_qparams")) {
    const std::string name = c.at("name");
    const DType dt = dtype_of_name(c.at("dtype"));
    const Shape shape = shape_of(c.at("shape"));
    const int64_t axis = c.at("axis");
    const std::vector<float> scales = f32s(c.at("scales"));
    const std::vector<float> zps = f32s(c.at("zero_points"));
    const std::vector<float> x = f32s(c.at("x"));
    try {
      const Tensor q = quantize_per_channel(from_vector(x, shape), from_vector(scales),
                                            from_vector(zps), axis, dt);
      if (q.qscheme() != kPerChannelAffineFloatQParams) {
        m.add(name, "qscheme", 0, "", "per_channel_affine_float_qparams",
              std::string(qscheme_name(q.qscheme())));
      }
      check_q(m, c, "quantize_per_channel", q_values(q), &x);
      check_dq(m, c, "dequantize", float_values(q.dequantize()));
    } catch (const std::exception& e) {
      m.error(name, "quantize_per_channel", e);
    }
    // The scalar specification functions (axis 0, row-major rows).
    const int64_t cols = shape.at(1);
    const auto& q = c.at("q");
    const auto& dq = c.at("dq");
    const QRange r = calculate_qmin_qmax(dt);
    for (size_t i = 0; i < x.size(); ++i) {
      const size_t row = i / static_cast<size_t>(cols);
      const int64_t eq = q[i];
      const int64_t got = quantize_value_float_qparams(x[i], scales[row], zps[row], r.qmin, r.qmax);
      if (got != eq) {
        m.add(name, "quantize_value_float_qparams", static_cast<int64_t>(i), fmt(x[i]), fmt(eq),
              fmt(got), torch_note(c, "torch_q", "q", i, false));
      }
      const float gd = dequantize_value_float_qparams(eq, scales[row], zps[row]);
      if (!same_bits(gd, f32(dq[i]))) {
        m.add(name, "dequantize_value_float_qparams", static_cast<int64_t>(i), "q=" + fmt(eq),
              fmt(f32(dq[i])), fmt(gd));
      }
    }
  }
}

// --- c. observer qparams ---------------------------------------------------------------------------

TEST(GoldenNumerics, ObserverQParams) {
  Mismatches m("ObserverQParams");
  int64_t ranges = 0;
  for (const auto& c : category("observer_qparams")) {
    const std::string name = c.at("name");
    QParamsConfig cfg;
    cfg.dtype = dtype_of_name(c.at("dtype"));
    cfg.qscheme = qscheme_of_name(c.at("qscheme"));
    cfg.reduce_range = c.at("reduce_range");
    if (!c.at("quant_min").is_null()) {
      cfg.quant_min = c.at("quant_min").get<int64_t>();
      cfg.quant_max = c.at("quant_max").get<int64_t>();
    }
    cfg.eps = f32(c.at("eps"));
    try {
      const QRange r = calculate_qmin_qmax(cfg.dtype, cfg.reduce_range, cfg.quant_min, cfg.quant_max);
      if (r.qmin != c.at("qmin").get<int64_t>() || r.qmax != c.at("qmax").get<int64_t>()) {
        m.add(name, "calculate_qmin_qmax", 0, "",
              fmt(c.at("qmin").get<int64_t>()) + ".." + fmt(c.at("qmax").get<int64_t>()),
              fmt(r.qmin) + ".." + fmt(r.qmax));
      }
    } catch (const std::exception& e) {
      m.error(name, "calculate_qmin_qmax", e);
    }
    const std::vector<float> mins = f32s(c.at("min"));
    const std::vector<float> maxs = f32s(c.at("max"));
    const std::vector<float> scales = f32s(c.at("scale"));
    const bool float_qparams = cfg.qscheme == kPerChannelAffineFloatQParams;
    for (size_t i = 0; i < mins.size(); ++i) {
      ++ranges;
      const std::string in = "min=" + fmt(mins[i]) + " max=" + fmt(maxs[i]);
      try {
        if (float_qparams) {
          const FloatQParams p = choose_qparams_float(mins[i], maxs[i], cfg);
          const float ez = f32(c.at("zero_point_f32").at(i));
          if (!same_bits(static_cast<float>(p.scale), scales[i])) {
            m.add(name, "scale", static_cast<int64_t>(i), in, fmt(scales[i]), fmt(p.scale));
          }
          if (!same_bits(p.zero_point, ez)) {
            m.add(name, "zero_point", static_cast<int64_t>(i), in, fmt(ez), fmt(p.zero_point));
          }
        } else {
          const QParams p = choose_qparams(mins[i], maxs[i], cfg);
          const int64_t ez = c.at("zero_point").at(i);
          if (!same_bits(static_cast<float>(p.scale), scales[i])) {
            m.add(name, "scale", static_cast<int64_t>(i), in, fmt(scales[i]), fmt(p.scale));
          }
          if (p.zero_point != ez) {
            m.add(name, "zero_point", static_cast<int64_t>(i), in, fmt(ez), fmt(p.zero_point));
          }
        }
      } catch (const std::exception& e) {
        m.error(name + " [" + std::to_string(i) + "] " + in, "choose_qparams", e);
      }
    }
  }
  EXPECT_GT(ranges, 1000);
}

// --- d. dynamic quantization -----------------------------------------------------------------------

TEST(GoldenNumerics, DynamicQParams) {
  Mismatches m("DynamicQParams");
  for (const auto& c : category("dynamic")) {
    const std::string name = c.at("name");
    const DType dt = dtype_of_name(c.at("dtype"));
    const bool rr = c.at("reduce_range");
    const float mn = f32(c.at("min"));
    const float mx = f32(c.at("max"));
    const float escale = f32(c.at("scale"));  // (float) of PyTorch's float64 q_scale()
    const int64_t ezp = c.at("zero_point");
    const std::string in = "min=" + fmt(mn) + " max=" + fmt(mx) + " reduce_range=" + (rr ? "1" : "0");
    try {
      const QParams p = choose_qparams_dynamic(mn, mx, c.at("qmin"), c.at("qmax"), rr);
      if (p.scale != f64(c.at("scale_f64")) || !same_bits(static_cast<float>(p.scale), escale)) {
        m.add(name, "choose_qparams_dynamic scale", 0, in, fmt(f64(c.at("scale_f64"))), fmt(p.scale));
      }
      if (p.zero_point != ezp) m.add(name, "choose_qparams_dynamic zero_point", 0, in, fmt(ezp), fmt(p.zero_point));
    } catch (const std::exception& e) {
      m.error(name, "choose_qparams_dynamic", e);
    }
    if (c.at("source") != "quantize_per_tensor_dynamic") continue;
    const std::vector<float> x = f32s(c.at("x"));
    try {
      const Tensor q = quantize_per_tensor_dynamic(from_vector(x), dt, rr);
      if (q.q_scale() != f64(c.at("scale_f64"))) {
        m.add(name, "q_scale()", 0, in, fmt(f64(c.at("scale_f64"))), fmt(q.q_scale()));
      }
      if (q.q_zero_point() != ezp) m.add(name, "q_zero_point", 0, in, fmt(ezp), fmt(q.q_zero_point()));
      check_q(m, c, "quantize_per_tensor_dynamic", q_values(q), &x);
      check_dq(m, c, "dequantize", float_values(q.dequantize()));
    } catch (const std::exception& e) {
      m.error(name, "quantize_per_tensor_dynamic", e);
    }
  }
}

// --- e. requantize -------------------------------------------------------------------------------

TEST(GoldenNumerics, Requantize) {
  Mismatches m("Requantize");
  for (const auto& c : category("requantize")) {
    const std::string name = c.at("name");
    const DType sdt = dtype_of_name(c.at("src_dtype"));
    const DType dt = dtype_of_name(c.at("dtype"));
    const std::vector<int64_t> src = i64s(c.at("src_q"));
    try {
      const Tensor sq = make_per_tensor_quantized_tensor(int_tensor(sdt, src), f64(c.at("src_scale")),
                                                         c.at("src_zero_point"));
      const Tensor q = requantize(sq, f64(c.at("scale")), c.at("zero_point"), dt);
      if (q.dtype() != dt) {
        m.add(name, "dtype", 0, "", std::string(dtype_name(dt)), std::string(dtype_name(q.dtype())));
        continue;
      }
      const std::vector<int64_t> got = q_values(q);
      const auto& exp = c.at("q");
      for (size_t i = 0; i < got.size() && i < exp.size(); ++i) {
        if (got[i] != exp[i].get<int64_t>()) {
          m.add(name, "requantize", static_cast<int64_t>(i), "src q=" + fmt(src[i]),
                fmt(exp[i].get<int64_t>()), fmt(got[i]));
        }
      }
      if (got.size() != exp.size()) {
        m.add(name, "size", 0, "", fmt(static_cast<int64_t>(exp.size())), fmt(static_cast<int64_t>(got.size())));
      }
      check_dq(m, c, "dequantize", float_values(q.dequantize()));
    } catch (const std::exception& e) {
      m.error(name, "requantize", e);
    }
  }
}

// --- f. make_per_tensor / make_per_channel quantized tensors ------------------------------------

TEST(GoldenNumerics, MakePerTensorQuantized) {
  Mismatches m("MakePerTensorQuantized");
  for (const auto& c : category("make_per_tensor")) {
    const std::string name = c.at("name");
    const DType dt = dtype_of_name(c.at("dtype"));
    try {
      const Tensor q = make_per_tensor_quantized_tensor(int_tensor(dt, i64s(c.at("q"))),
                                                        f64(c.at("scale")), c.at("zero_point"));
      if (q.dtype() != dt) {
        m.add(name, "dtype", 0, "", std::string(dtype_name(dt)), std::string(dtype_name(q.dtype())));
        continue;
      }
      check_q(m, c, "int values", q_values(q));
      check_dq(m, c, "dequantize", float_values(q.dequantize()));
    } catch (const std::exception& e) {
      m.error(name, "make_per_tensor_quantized_tensor", e);
    }
  }
}

TEST(GoldenNumerics, MakePerChannelQuantized) {
  Mismatches m("MakePerChannelQuantized");
  for (const auto& c : category("make_per_channel")) {
    const std::string name = c.at("name");
    const DType dt = dtype_of_name(c.at("dtype"));
    const Shape shape = shape_of(c.at("shape"));
    try {
      const Tensor q = make_per_channel_quantized_tensor(
          int_tensor(dt, i64s(c.at("q")), shape), from_vector(f64s(c.at("scales"))),
          from_vector(i64s(c.at("zero_points"))), c.at("axis"));
      check_q(m, c, "int values", q_values(q));
      check_dq(m, c, "dequantize", float_values(q.dequantize()));
    } catch (const std::exception& e) {
      m.error(name, "make_per_channel_quantized_tensor", e);
    }
  }
}

// The file records which PyTorch produced it; a missing or empty category would silently pass.
TEST(GoldenNumerics, FileIsComplete) {
  const json& g = golden();
  for (const char* k : {"quantize_per_tensor", "quantize_per_channel", "quantize_per_channel_float_qparams",
                        "observer_qparams", "dynamic", "requantize", "make_per_tensor", "make_per_channel"}) {
    ASSERT_TRUE(g.contains(k)) << k;
    EXPECT_FALSE(g.at(k).empty()) << k;
  }
  std::printf("[ GOLDEN   ] generated by torch %s (%s)\n",
              g.at("generator").at("torch_version").get<std::string>().c_str(),
              g.at("generator").at("torch_cpu_capability").get<std::string>().c_str());
}

}  // namespace
}  // namespace octet
