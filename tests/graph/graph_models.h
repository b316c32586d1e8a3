// graph_models.h: small real-world graphs built with the Builder for the graph tests: a ResNet basic block and a BERT encoder layer.
#pragma once

#include <cmath>
#include <string>

#include "octet/graph/builder.h"
#include "octet/octet.h"

namespace octet::graph::test {

inline Tensor small_randn(const Shape& shape, Generator& gen, double scale = 0.3) {
  return F::mul(randn(shape, gen), scale);
}

// Per-channel BN parameters named <prefix>.{weight,bias,running_mean,running_var}.
inline Value* batch_norm(Builder& b, Value* x, const std::string& prefix, int64_t c, Generator& gen) {
  Value* g = b.initializer(prefix + ".weight", F::add(rand({c}, gen), 0.5));
  Value* beta = b.initializer(prefix + ".bias", small_randn({c}, gen));
  Value* mean = b.initializer(prefix + ".running_mean", small_randn({c}, gen));
  Value* var = b.initializer(prefix + ".running_var", F::add(rand({c}, gen), 0.5));
  return b.add_node("BatchNormalization", {x, g, beta, mean, var}, {{"epsilon", 1e-5f}}, {.name = prefix});
}

// torchvision's BasicBlock on [N, c, h, w]: conv3x3-bn-relu-conv3x3-bn, + x, relu.
inline Graph resnet_basic_block(Generator& gen, int64_t c = 8, int64_t hw = 6) {
  Builder b("basic_block");
  Value* x = b.input("x", kFloat32, {"N", c, hw, hw});
  const std::vector<NamedAttribute> conv = {{"kernel_shape", {3, 3}}, {"pads", {1, 1, 1, 1}}, {"strides", {1, 1}}};
  Value* w1 = b.initializer("conv1.weight", small_randn({c, c, 3, 3}, gen, 0.2));
  Value* y = b.add_node("Conv", {x, w1}, conv, {.name = "conv1"});
  y = batch_norm(b, y, "bn1", c, gen);
  y = b.add_node("Relu", {y}, {}, {.name = "relu1"});
  Value* w2 = b.initializer("conv2.weight", small_randn({c, c, 3, 3}, gen, 0.2));
  y = b.add_node("Conv", {y, w2}, conv, {.name = "conv2"});
  y = batch_norm(b, y, "bn2", c, gen);
  y = b.add_node("Add", {y, x}, {}, {.name = "add"});
  y = b.add_node("Relu", {y}, {}, {.name = "relu2"});
  b.output(y, "out");
  return b.finish();
}

struct BertOptions {
  bool decomposed_layer_norm = true;  // as exported before opset 17
  bool decomposed_gelu = true;        // as exported before opset 20
  int64_t hidden = 16;
  int64_t heads = 2;
  int64_t ffn = 32;
};

// x * 0.5 * (1 + erf(x / sqrt 2)) as torch.onnx exports F.gelu.
inline Value* decomposed_gelu(Builder& b, Value* x, const std::string& p) {
  Value* d = b.add_node("Div", {x, b.scalar(1.4142135381698608)}, {}, {.name = p + ".div"});
  Value* e = b.add_node("Erf", {d}, {}, {.name = p + ".erf"});
  Value* a = b.add_node("Add", {e, b.scalar(1.0)}, {}, {.name = p + ".add"});
  Value* m = b.add_node("Mul", {x, a}, {}, {.name = p + ".mul"});
  return b.add_node("Mul", {m, b.scalar(0.5)}, {}, {.name = p + ".mul_half"});
}

// LayerNorm over the last dim written out, as torch.onnx exports it before opset 17.
inline Value* decomposed_layer_norm(Builder& b, Value* x, const std::string& p, int64_t h, Generator& gen) {
  Value* mean = b.add_node("ReduceMean", {x}, {{"axes", {-1}}}, {.name = p + ".mean"});
  Value* d = b.add_node("Sub", {x, mean}, {}, {.name = p + ".sub"});
  Value* sq = b.add_node("Pow", {d, b.scalar(2.0)}, {}, {.name = p + ".pow"});
  Value* var = b.add_node("ReduceMean", {sq}, {{"axes", {-1}}}, {.name = p + ".var"});
  Value* ve = b.add_node("Add", {var, b.scalar(1e-12)}, {}, {.name = p + ".add_eps"});
  Value* sd = b.add_node("Sqrt", {ve}, {}, {.name = p + ".sqrt"});
  Value* n = b.add_node("Div", {d, sd}, {}, {.name = p + ".div"});
  Value* g = b.add_node("Mul", {n, b.initializer(p + ".weight", F::add(rand({h}, gen), 0.5))}, {}, {.name = p + ".mul"});
  return b.add_node("Add", {g, b.initializer(p + ".bias", small_randn({h}, gen))}, {}, {.name = p + ".add"});
}

inline Value* layer_norm(Builder& b, Value* x, const std::string& p, int64_t h, Generator& gen, bool decomposed) {
  if (decomposed) return decomposed_layer_norm(b, x, p, h, gen);
  Value* w = b.initializer(p + ".weight", F::add(rand({h}, gen), 0.5));
  Value* bias = b.initializer(p + ".bias", small_randn({h}, gen));
  return b.add_node("LayerNormalization", {x, w, bias}, {{"axis", -1}, {"epsilon", 1e-12f}}, {.name = p});
}

// [B, L, heads * dh] -> [B, heads, L, dh] (perm 0,2,1,3) or, for keys, [B, heads, dh, L].
inline Value* split_heads(Builder& b, Value* t, Value* x, const std::string& p, const BertOptions& o, bool key) {
  // The target shape computed from x's shape, as exporters do: Concat(B, L, heads, dh).
  Value* shape = b.add_node("Shape", {x}, {}, {.name = p + ".shape"});
  Value* bsz = b.add_node("Unsqueeze", {b.add_node("Gather", {shape, b.scalar(0, kInt64)}, {{"axis", 0}}, {.name = p + ".gather_b"}), b.ints({0})},
                          {}, {.name = p + ".unsq_b"});
  Value* len = b.add_node("Unsqueeze", {b.add_node("Gather", {shape, b.scalar(1, kInt64)}, {{"axis", 0}}, {.name = p + ".gather_l"}), b.ints({0})},
                          {}, {.name = p + ".unsq_l"});
  Value* target = b.add_node("Concat", {bsz, len, b.ints({o.heads}), b.ints({o.hidden / o.heads})}, {{"axis", 0}},
                             {.name = p + ".concat"});
  Value* r = b.add_node("Reshape", {t, target}, {}, {.name = p + ".reshape"});
  return b.add_node("Transpose", {r}, {{"perm", key ? std::vector<int64_t>{0, 2, 3, 1} : std::vector<int64_t>{0, 2, 1, 3}}},
                    {.name = p + ".transpose"});
}

inline Value* linear(Builder& b, Value* x, const std::string& p, int64_t in, int64_t out, Generator& gen) {
  Value* w = b.initializer(p + ".weight_t", small_randn({in, out}, gen, 1.0 / std::sqrt(static_cast<double>(in))));
  Value* bias = b.initializer(p + ".bias", small_randn({out}, gen, 0.1));
  return b.add_node("Add", {b.add_node("MatMul", {x, w}, {}, {.name = p + ".matmul"}), bias}, {}, {.name = p + ".add"});
}

// One BERT encoder layer on x [B, L, hidden] with an additive attention mask [B, 1, 1, L].
inline Graph bert_layer(Generator& gen, const BertOptions& o = {}) {
  Builder b("bert_layer", 13);
  Value* x = b.input("x", kFloat32, {"B", "L", o.hidden});
  Value* mask = b.input("mask", kFloat32, {"B", 1, 1, "L"});
  Value* q = split_heads(b, linear(b, x, "q", o.hidden, o.hidden, gen), x, "q", o, false);
  Value* k = split_heads(b, linear(b, x, "k", o.hidden, o.hidden, gen), x, "k", o, true);
  Value* v = split_heads(b, linear(b, x, "v", o.hidden, o.hidden, gen), x, "v", o, false);
  const double scale = std::sqrt(static_cast<double>(o.hidden / o.heads));
  Value* s = b.add_node("Div", {b.add_node("MatMul", {q, k}, {}, {.name = "scores"}), b.scalar(scale)}, {}, {.name = "scale"});
  s = b.add_node("Add", {s, mask}, {}, {.name = "masked"});
  Value* p = b.add_node("Softmax", {s}, {{"axis", -1}}, {.name = "softmax"});
  Value* ctx = b.add_node("MatMul", {p, v}, {}, {.name = "context"});
  ctx = b.add_node("Transpose", {ctx}, {{"perm", {0, 2, 1, 3}}}, {.name = "merge_heads"});
  ctx = b.add_node("Reshape", {ctx, b.ints({0, 0, o.hidden})}, {}, {.name = "merge_reshape"});
  Value* attn = linear(b, ctx, "o", o.hidden, o.hidden, gen);
  Value* h = layer_norm(b, b.add_node("Add", {attn, x}, {}, {.name = "residual1"}), "ln1", o.hidden, gen,
                        o.decomposed_layer_norm);
  Value* f = linear(b, h, "ffn1", o.hidden, o.ffn, gen);
  f = o.decomposed_gelu ? decomposed_gelu(b, f, "gelu") : b.add_node("Gelu", {f}, {}, {.name = "gelu"});
  f = linear(b, f, "ffn2", o.ffn, o.hidden, gen);
  Value* y = layer_norm(b, b.add_node("Add", {f, h}, {}, {.name = "residual2"}), "ln2", o.hidden, gen,
                        o.decomposed_layer_norm);
  b.output(y, "out");
  return b.finish();
}

}  // namespace octet::graph::test
