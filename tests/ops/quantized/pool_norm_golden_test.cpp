// pool_norm_golden_test.cpp: quantized pooling, upsampling, norms, softmax and embedding bags against PyTorch's x86 engine (tests/data/golden/quantized_pool_norm.safetensors), with exact counts and max differences per op.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <string>

#include "common/golden.h"
#include "octet/octet.h"
#include "octet/quantized/embedding.h"
#include "octet/quantized/norm.h"
#include "octet/quantized/pooling.h"
#include "octet/quantized/resize.h"
#include "ops/quantized/qop_test_util.h"

namespace octet {
namespace {

namespace Q = quantized;
using test::GoldenCase;
using test::GoldenFile;
using test::qop::IntDiff;

const GoldenFile& golden() {
  static const GoldenFile file("quantized_pool_norm");
  return file;
}

Shape shape_of(const nlohmann::json& v) {
  Shape s;
  for (const auto& e : v) s.push_back(e.get<int64_t>());
  return s;
}

std::optional<int64_t> optional_int(const nlohmann::json& args, const char* key) {
  if (!args.contains(key) || args.at(key).is_null()) return std::nullopt;
  return args.at(key).get<int64_t>();
}

// The case's quantized input in its recorded memory format.
Tensor input_of(const GoldenCase& c) {
  const Tensor q = make_per_tensor_quantized_tensor(c.in(0), c.args.at("scale").get<double>(),
                                                    c.args.at("zero_point").get<int64_t>());
  return c.args.at("layout") == "nhwc" ? test::qop::to_channels_last(q) : q;
}

Tensor optional_in(const GoldenCase& c, int i) {
  return c.has(std::string("in").append(std::to_string(i))) ? c.in(i) : Tensor();
}

// Octet's answer to an activation case.
Tensor run(const GoldenCase& c) {
  const auto& a = c.args;
  const Tensor q = input_of(c);
  if (c.op == "max_pool2d") {
    return Q::max_pool2d(q, shape_of(a.at("kernel")), shape_of(a.at("stride")), shape_of(a.at("padding")),
                         shape_of(a.at("dilation")), a.at("ceil_mode").get<bool>());
  }
  if (c.op == "avg_pool2d" || c.op == "avg_pool3d") {
    const auto fn = c.op == "avg_pool2d" ? &Q::avg_pool2d : &Q::avg_pool3d;
    return fn(q, shape_of(a.at("kernel")), shape_of(a.at("stride")), shape_of(a.at("padding")),
              a.at("ceil_mode").get<bool>(), a.at("count_include_pad").get<bool>(), optional_int(a, "divisor_override"));
  }
  if (c.op == "adaptive_avg_pool2d") return Q::adaptive_avg_pool2d(q, shape_of(a.at("output_size")));
  if (c.op == "adaptive_avg_pool3d") return Q::adaptive_avg_pool3d(q, shape_of(a.at("output_size")));
  if (c.op == "upsample_nearest2d") return Q::upsample_nearest2d(q, shape_of(a.at("size")));
  if (c.op == "upsample_bilinear2d") {
    return Q::upsample_bilinear2d(q, shape_of(a.at("size")), a.at("align_corners").get<bool>());
  }
  const double eps = a.value("eps", 1e-5), out_scale = a.value("out_scale", 1.0);
  const int64_t out_zp = a.value("out_zero_point", int64_t{0});
  if (c.op == "batch_norm2d" || c.op == "batch_norm3d") {
    const auto fn = c.op == "batch_norm2d" ? &Q::batch_norm2d : &Q::batch_norm3d;
    return fn(q, c.in(1), c.in(2), c.in(3), c.in(4), eps, out_scale, out_zp);
  }
  if (c.op == "layer_norm") {
    return Q::layer_norm(q, shape_of(a.at("normalized_shape")), optional_in(c, 1), optional_in(c, 2), eps, out_scale,
                         out_zp);
  }
  if (c.op == "group_norm") {
    return Q::group_norm(q, a.at("num_groups").get<int64_t>(), c.in(1), c.in(2), eps, out_scale, out_zp);
  }
  if (c.op == "instance_norm") return Q::instance_norm(q, c.in(1), c.in(2), eps, out_scale, out_zp);
  if (c.op == "softmax") return Q::softmax(q, a.at("dim").get<int64_t>(), out_scale, out_zp);
  ADD_FAILURE() << "unknown op " << c.op;
  return q;
}

// Why an op may differ from PyTorch by one step (never more):
const std::map<std::string, const char*>& reasons() {
  static const std::map<std::string, const char*> r = {
      {"max_pool2d", "none: max is exact"},
      {"avg_pool2d", "PyTorch's NCHW kernel adds the zero point before rounding: ties land elsewhere"},
      {"avg_pool3d", "PyTorch's channels-last scalar tail multiplies by 1/(1/m) instead of m"},
      {"adaptive_avg_pool2d", "PyTorch's NCHW kernel averages q without taking the zero point out (ties round to "
                              "a different even) and multiplies by ((1/kD)/kH)/kW"},
      {"adaptive_avg_pool3d", "as adaptive_avg_pool2d"},
      {"upsample_nearest2d", "none: a copy"},
      {"upsample_bilinear2d", "PyTorch's NHWC kernel evaluates the weights in another order"},
      {"batch_norm2d", "PyTorch computes alpha/beta in float32 steps and fuses the multiply-add"},
      {"batch_norm3d", "as batch_norm2d"},
      {"layer_norm", "PyTorch's statistics are float32 E[x^2] - E[x]^2; Octet's exact from integer sums"},
      {"group_norm", "as layer_norm"},
      {"instance_norm", "as layer_norm"},
      {"softmax", "Octet's float exp is a few ulp from PyTorch's (Sleef)"}};
  return r;
}

TEST(QGoldenPoolNorm, activation_ops_within_one_step_of_pytorch) {
  std::map<std::string, IntDiff> per_op;
  for (const GoldenCase& c : golden().cases()) {
    if (c.op.rfind("embedding", 0) == 0) continue;
    SCOPED_TRACE(c.name);
    const Tensor got = run(c);
    const double out_scale = c.args.value("out_scale", c.args.at("scale").get<double>());
    const int64_t out_zp = c.args.value("out_zero_point", c.args.at("zero_point").get<int64_t>());
    const Tensor want = make_per_tensor_quantized_tensor(c.out(0), out_scale, out_zp);
    EXPECT_EQ(got.q_scale(), out_scale) << c.name;
    EXPECT_EQ(got.q_zero_point(), out_zp) << c.name;
    const IntDiff d = test::qop::compare(got, want);
    IntDiff& acc = per_op[c.op + " " + c.args.at("layout").get<std::string>()];
    acc.total += d.total;
    acc.exact += d.exact;
    acc.max_diff = std::max(acc.max_diff, d.max_diff);
    EXPECT_LE(d.max_diff, 1) << c.name << ": " << d.str();
  }
  std::printf("[ GOLDEN   ] quantized ops vs PyTorch (x86 engine; scripts/golden/gen_quantized_pool_norm.py):\n");
  for (const auto& [key, d] : per_op) {
    const std::string op = key.substr(0, key.find(' '));
    std::printf("[ GOLDEN   ]   %-25s %s  (%s)\n", key.c_str(), d.str().c_str(),
                d.exact == d.total ? "identical" : reasons().at(op));
  }
  for (const char* exact : {"max_pool2d nchw", "max_pool2d nhwc", "upsample_nearest2d nchw", "upsample_nearest2d nhwc"}) {
    EXPECT_EQ(per_op.at(exact).exact, per_op.at(exact).total) << exact;
  }
}

// Largest |got - want| over the largest |want| (1 when all are ~0).
double rel_diff(const Tensor& got, const Tensor& want) { return test::relative_error(got, want); }

TEST(QGoldenPoolNorm, embedding_bags_match_pytorch) {
  double worst_bag = 0, worst_unpack = 0;
  int64_t bags = 0, bag_exact = 0;
  for (const GoldenCase& c : golden().cases()) {
    if (c.op.rfind("embedding", 0) != 0) continue;
    SCOPED_TRACE(c.name);
    const bool four = c.op == "embedding_bag_4bit";
    // The prepacked bytes are PyTorch's, bit for bit.
    const Tensor packed = four ? Q::embedding_bag_4bit_prepack(c.in(0)) : Q::embedding_bag_byte_prepack(c.in(0));
    ASSERT_TRUE(equal(packed, c.out(0))) << c.name << ": prepacked weight differs from PyTorch's";
    Tensor got;
    if (c.op == "embedding_byte") {
      got = Q::embedding_byte(packed, c.in(1));
    } else {
      const Tensor psw = c.args.at("weighted").get<bool>() ? c.in(3) : Tensor();
      got = four ? Q::embedding_bag_4bit_rowwise_offsets(packed, c.in(1), c.in(2), Q::kEmbeddingBagSum, psw,
                                                         c.args.at("include_last_offset").get<bool>())
                 : Q::embedding_bag_byte_rowwise_offsets(packed, c.in(1), c.in(2), Q::kEmbeddingBagSum, psw,
                                                         c.args.at("include_last_offset").get<bool>());
      const Tensor unpacked = four ? Q::embedding_bag_4bit_unpack(packed) : Q::embedding_bag_byte_unpack(packed);
      worst_unpack = std::max(worst_unpack, rel_diff(unpacked, c.out(2)));
    }
    ASSERT_EQ(got.shape(), c.out(1).shape());
    const double e = rel_diff(got, c.out(1));
    worst_bag = std::max(worst_bag, e);
    bags += got.numel();
    const Tensor g = got.contiguous(), w = c.out(1).contiguous();
    for (int64_t i = 0; i < g.numel(); ++i) bag_exact += g.data_ptr<float>()[i] == w.data_ptr<float>()[i];
    // fbgemm fuses scale * q + acc into one FMA; Octet rounds the product first (no FMA, so every
    // ISA agrees). Each row then differs by at most half an ulp of its largest term: a few 1e-7
    // of the output's magnitude over a bag of up to a dozen rows.
    EXPECT_LE(e, 1e-6) << c.name;
  }
  std::printf("[ GOLDEN   ] embedding bags vs PyTorch: %lld/%lld floats identical, max relative diff %.3g "
              "(fbgemm's FMA vs Octet's rounded product); unpack max relative diff %.3g\n",
              static_cast<long long>(bag_exact), static_cast<long long>(bags), worst_bag, worst_unpack);
  EXPECT_LE(worst_unpack, 1e-6);
}

}  // namespace
}  // namespace octet
