// tensor_test.cpp: Tensor construction, views, copies, conversions, printing and misuse errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "common/test_util.h"
#include "octet/octet.h"

namespace octet {
namespace {

Tensor iota(const Shape& shape, DType dtype = kFloat32) {
  return arange(0.0, static_cast<double>(shape_numel(shape)), 1.0, dtype).reshape(shape);
}

TEST(Tensor, FactoriesHaveShapeDtypeAndValues) {
  Tensor z = zeros({2, 3});
  EXPECT_EQ(z.shape(), (Shape{2, 3}));
  EXPECT_EQ(z.numel(), 6);
  EXPECT_EQ(z.dtype(), kFloat32);
  EXPECT_EQ(z.strides(), (Shape{3, 1}));
  EXPECT_TRUE(z.is_contiguous());
  EXPECT_EQ(z.at<float>({1, 2}), 0.0f);
  EXPECT_EQ(ones({4}, kInt32).at<int32_t>({3}), 1);
  EXPECT_EQ(full({2, 2}, 2.5, kFloat64).at<double>({1, 1}), 2.5);
  Tensor a = arange(5);
  EXPECT_EQ(a.dtype(), kInt64);
  EXPECT_EQ(a.at<int64_t>({4}), 4);
  Tensor b = arange(1.0, 2.0, 0.25, kFloat32);
  EXPECT_EQ(b.numel(), 4);
  EXPECT_EQ(b.at<float>({3}), 1.75f);
  Tensor c = arange(3.0, 0.0, -1.0, kInt8);
  EXPECT_EQ(c.numel(), 3);
  EXPECT_EQ(c.at<int8_t>({2}), 1);
  Tensor s = full({}, 7.0);
  EXPECT_EQ(s.dim(), 0);
  EXPECT_EQ(s.numel(), 1);
  EXPECT_EQ(s.item<float>(), 7.0f);
  Tensor e = empty({0, 3});
  EXPECT_EQ(e.numel(), 0);
}

TEST(Tensor, StorageIsAlignedTo64Bytes) {
  for (int n : {1, 3, 17, 1000}) {
    Tensor t = empty({n}, kUInt8);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(t.raw_data()) % 64, 0u) << n;
  }
}

TEST(Tensor, FromVectorAndFromBlob) {
  Tensor t = from_vector(std::vector<float>{1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_EQ(t.at<float>({1, 0}), 4.0f);
  EXPECT_EQ(from_vector(std::vector<bool>{true, false}).at<bool>({1}), false);
  EXPECT_EQ(from_vector(std::vector<int64_t>{(1LL << 62) + 1}).item<int64_t>(), (1LL << 62) + 1);
  EXPECT_OCTET_ERROR(from_vector(std::vector<int32_t>{300}).item<int8_t>(), "value 300 does not fit in int8");

  std::vector<int32_t> buf = {10, 11, 12, 13, 14, 15};
  bool deleted = false;
  {
    Tensor v = from_blob(buf.data(), {3, 2}, kInt32, {}, [&](void*) { deleted = true; });
    EXPECT_EQ(v.at<int32_t>({2, 1}), 15);
    v.set({0, 0}, 99);
    EXPECT_EQ(buf[0], 99);  // shares the caller's memory
    Tensor col = from_blob(buf.data(), {3}, kInt32, {2});  // strided view of column 0
    EXPECT_EQ(col.at<int32_t>({1}), 12);
  }
  EXPECT_TRUE(deleted);
}

TEST(Tensor, RandomFactoriesAreSeededAndInRange) {
  Generator g1(42), g2(42);
  Tensor a = rand({1000}, g1), b = rand({1000}, g2);
  EXPECT_TRUE(equal(a, b));
  for (int64_t i = 0; i < a.numel(); ++i) {
    const float v = a.at<float>({i});
    ASSERT_GE(v, 0.0f);
    ASSERT_LT(v, 1.0f);
  }
  Tensor n = randn({20000}, g1);
  double mean = 0, var = 0;
  for (int64_t i = 0; i < n.numel(); ++i) mean += n.at<double>({i});
  mean /= static_cast<double>(n.numel());
  for (int64_t i = 0; i < n.numel(); ++i) var += std::pow(n.at<double>({i}) - mean, 2);
  var /= static_cast<double>(n.numel());
  EXPECT_NEAR(mean, 0.0, 0.05);
  EXPECT_NEAR(var, 1.0, 0.05);
  Tensor r = randint(-3, 4, {5000}, g1, kInt16);
  bool seen_lo = false, seen_hi = false;
  for (int64_t i = 0; i < r.numel(); ++i) {
    const int v = r.at<int16_t>({i});
    ASSERT_GE(v, -3);
    ASSERT_LE(v, 3);
    seen_lo |= v == -3;
    seen_hi |= v == 3;
  }
  EXPECT_TRUE(seen_lo && seen_hi);
}

TEST(Tensor, GeneratorStreamIsPinned) {
  // The stream is part of the API: a seed must give the same numbers on every platform.
  Generator g(1234);
  EXPECT_EQ(g.next_u64(), Generator(1234).next_u64());
  Generator a(0), b(1);
  EXPECT_NE(a.next_u64(), b.next_u64());
  Generator c(7);
  const uint64_t first = c.next_u64();
  c.manual_seed(7);
  EXPECT_EQ(c.next_u64(), first);
}

TEST(Tensor, ViewAndReshape) {
  Tensor t = iota({2, 3, 4});
  Tensor v = t.view({6, 4});
  EXPECT_EQ(v.storage(), t.storage());
  EXPECT_EQ(v.at<float>({5, 3}), 23.0f);
  EXPECT_EQ(t.view({-1}).shape(), (Shape{24}));
  EXPECT_EQ(t.view({4, -1, 2}).shape(), (Shape{4, 3, 2}));
  Tensor tr = t.transpose(0, 2);  // [4, 3, 2], not contiguous
  EXPECT_FALSE(tr.is_contiguous());
  EXPECT_OCTET_ERROR(tr.view({24}), "not compatible with input tensor's size");
  Tensor r = tr.reshape({24});  // copies
  EXPECT_TRUE(r.is_contiguous());
  EXPECT_NE(r.storage(), t.storage());
  EXPECT_EQ(r.at<float>({1}), 12.0f);  // tr[0,0,1] == t[1,0,0]
  EXPECT_OCTET_ERROR(t.view({5, 5}), "is invalid for input of shape");
  EXPECT_OCTET_ERROR(t.view({-1, -1}), "only one dimension can be inferred");
  EXPECT_OCTET_ERROR(t.view({7, -1}), "is invalid for input of size 24");
}

TEST(Tensor, PermuteTransposeSliceNarrowSelect) {
  Tensor t = iota({2, 3, 4});
  Tensor p = t.permute({2, 0, 1});
  EXPECT_EQ(p.shape(), (Shape{4, 2, 3}));
  EXPECT_EQ(p.at<float>({3, 1, 2}), t.at<float>({1, 2, 3}));
  EXPECT_OCTET_ERROR(t.permute({0, 0, 1}), "repeat dimension");
  EXPECT_OCTET_ERROR(t.permute({0, 1}), "expected 3 dims");
  EXPECT_EQ(iota({2, 5}).t().shape(), (Shape{5, 2}));
  EXPECT_OCTET_ERROR(t.t(), "expects a tensor with <= 2 dimensions");

  Tensor s = t.slice(2, 1, 4, 2);  // columns 1, 3
  EXPECT_EQ(s.shape(), (Shape{2, 3, 2}));
  EXPECT_EQ(s.at<float>({1, 2, 1}), t.at<float>({1, 2, 3}));
  EXPECT_EQ(t.slice(1, -2, 100).shape(), (Shape{2, 2, 4}));  // python-style clamping
  EXPECT_EQ(t.slice(1, 2, 1).size(1), 0);
  EXPECT_OCTET_ERROR(t.slice(1, 0, 2, 0), "step must be positive");
  Tensor n = t.narrow(2, -3, 2);
  EXPECT_EQ(n.at<float>({0, 0, 0}), 1.0f);
  EXPECT_OCTET_ERROR(t.narrow(2, 3, 2), "exceeds dimension 2 of size 4");
  Tensor sel = t.select(1, -1);
  EXPECT_EQ(sel.shape(), (Shape{2, 4}));
  EXPECT_EQ(sel.at<float>({1, 0}), 20.0f);
  EXPECT_EQ(t[1].at<float>({0, 0}), 12.0f);
  EXPECT_OCTET_ERROR(t.select(0, 2), "index 2 is out of range for dimension 0 with size 2");
  EXPECT_OCTET_ERROR(t.select(3, 0), "dimension out of range (expected to be in [-3, 2], but got 3)");
}

TEST(Tensor, SqueezeUnsqueezeExpandFlatten) {
  Tensor t = iota({1, 3, 1, 2});
  EXPECT_EQ(t.squeeze().shape(), (Shape{3, 2}));
  EXPECT_EQ(t.squeeze(2).shape(), (Shape{1, 3, 2}));
  EXPECT_EQ(t.squeeze(1).shape(), (Shape{1, 3, 1, 2}));  // not size 1: no-op
  EXPECT_EQ(t.unsqueeze(-1).shape(), (Shape{1, 3, 1, 2, 1}));
  EXPECT_EQ(t.unsqueeze(0).shape(), (Shape{1, 1, 3, 1, 2}));
  Tensor col = iota({3, 1});
  Tensor e = col.expand({2, 3, 4});
  EXPECT_EQ(e.shape(), (Shape{2, 3, 4}));
  EXPECT_EQ(e.stride(2), 0);
  EXPECT_EQ(e.at<float>({1, 2, 3}), 2.0f);
  EXPECT_EQ(col.expand({-1, 5}).shape(), (Shape{3, 5}));
  EXPECT_OCTET_ERROR(col.expand({4, 4}), "must match the existing size (3) at non-singleton dimension 0");
  EXPECT_OCTET_ERROR(col.expand({3}), "must be greater or equal to the number of dimensions");
  EXPECT_EQ(iota({2, 3, 4}).flatten(1).shape(), (Shape{2, 12}));
  EXPECT_EQ(iota({2, 3, 4}).flatten().shape(), (Shape{24}));
  EXPECT_EQ(full({}, 1.0).flatten().shape(), (Shape{1}));
}

TEST(Tensor, ContiguousCloneAndCopy) {
  Tensor t = iota({3, 4});
  Tensor tt = t.t();
  Tensor c = tt.contiguous();
  EXPECT_TRUE(c.is_contiguous());
  EXPECT_EQ(c.at<float>({3, 2}), t.at<float>({2, 3}));
  EXPECT_EQ(t.contiguous().storage(), t.storage());
  Tensor cl = t.clone();
  cl.set({0, 0}, 100);
  EXPECT_EQ(t.at<float>({0, 0}), 0.0f);

  Tensor dst = zeros({2, 3}, kInt32);
  dst.copy_(from_vector(std::vector<float>{1.9f, -2.9f, 3.0f}));  // broadcast over rows, truncation
  EXPECT_EQ(dst.at<int32_t>({1, 0}), 1);
  EXPECT_EQ(dst.at<int32_t>({1, 1}), -2);
  Tensor part = zeros({4, 4});
  part.slice(0, 1, 3).slice(1, 1, 3).fill_(5);
  EXPECT_EQ(part.at<float>({1, 1}), 5.0f);
  EXPECT_EQ(part.at<float>({0, 1}), 0.0f);
  EXPECT_EQ(part.at<float>({3, 3}), 0.0f);
  EXPECT_OCTET_ERROR(zeros({2, 2}).copy_(zeros({3})), "expanded size");
}

TEST(Tensor, ToConvertsWithPyTorchSemantics) {
  Tensor f = from_vector(std::vector<float>{-1.5f, 0.5f, 2.7f, 255.0f});
  Tensor i = f.to(kInt32);
  EXPECT_EQ(i.at<int32_t>({0}), -1);
  EXPECT_EQ(i.at<int32_t>({2}), 2);
  Tensor u = from_vector(std::vector<int32_t>{256, -1, 7}).to(kUInt8);  // wraps like PyTorch
  EXPECT_EQ(u.at<uint8_t>({0}), 0);
  EXPECT_EQ(u.at<uint8_t>({1}), 255);
  EXPECT_EQ(f.to(kBool).at<bool>({1}), true);
  EXPECT_EQ(f.to(kFloat16).at<float>({2}), static_cast<float>(Half(2.7f)));
  EXPECT_EQ(f.to(kBFloat16).to(kFloat32).at<float>({3}), 255.0f);
  EXPECT_EQ(f.to(kFloat32).storage(), f.storage());  // same dtype: the tensor itself
  EXPECT_OCTET_ERROR(f.to(kInt8), "value 255 does not fit in int8");
  EXPECT_OCTET_ERROR(from_vector(std::vector<float>{NAN}).to(kInt32), "does not fit in int32");
  EXPECT_OCTET_ERROR(f.to(kQUInt8), "use quantize_per_tensor");
}

TEST(Tensor, DataPtrChecksTheElementType) {
  Tensor t = zeros({2}, kInt16);
  EXPECT_NE(t.data_ptr<int16_t>(), nullptr);
  EXPECT_OCTET_ERROR(t.data_ptr<float>(), "expected the element type of a int16 tensor (int16), but data_ptr was asked for float32");
  Tensor s = iota({4}).slice(0, 2, 4);
  EXPECT_EQ(*s.data_ptr<float>(), 2.0f);
}

TEST(Tensor, ElementAccessErrors) {
  Tensor t = iota({2, 3});
  EXPECT_OCTET_ERROR(t.at<float>({2, 0}), "index 2 is out of bounds for dimension 0 with size 2");
  EXPECT_OCTET_ERROR(t.at<float>({0}), "expected 2 indices");
  EXPECT_EQ(t.at<float>({-1, -1}), 5.0f);
  EXPECT_OCTET_ERROR(t.item<float>(), "expected a tensor with one element, got shape [2, 3]");
  EXPECT_OCTET_ERROR(Tensor().size(0), "undefined");
  EXPECT_OCTET_ERROR(zeros({-1}), "sizes must be non-negative");
  EXPECT_OCTET_ERROR(empty({2}, kQUInt8), "without qparams");
  Generator gen(1);
  EXPECT_OCTET_ERROR(rand({2}, gen, kInt32), "expected a floating dtype");
  EXPECT_OCTET_ERROR(arange(0.0, 5.0, -1.0), "inconsistent with step sign");
  EXPECT_OCTET_ERROR(arange(0.0, 5.0, 0.0), "step must be nonzero");
  EXPECT_OCTET_ERROR(from_vector(std::vector<float>{1, 2, 3}, {2, 2}), "needs 4 elements, but the vector has 3");
}

TEST(Tensor, EqualComparesValuesShapesAndDtypes) {
  EXPECT_TRUE(equal(iota({2, 3}), iota({2, 3}).clone()));
  EXPECT_FALSE(equal(iota({2, 3}), iota({3, 2})));
  EXPECT_FALSE(equal(iota({2, 3}), iota({2, 3}, kFloat64)));
  EXPECT_TRUE(equal(iota({2, 3}).t(), iota({2, 3}).t().contiguous()));
  EXPECT_TRUE(equal(from_vector(std::vector<float>{NAN}), from_vector(std::vector<float>{NAN})));
  EXPECT_FALSE(equal(from_vector(std::vector<int64_t>{(1LL << 60) + 1}), from_vector(std::vector<int64_t>{1LL << 60})));
}

TEST(Tensor, PrintsLikePyTorch) {
  EXPECT_EQ(from_vector(std::vector<float>{1.5f, -2.0f, 3.25f}).to_string(), "tensor([ 1.5000, -2.0000,  3.2500])");
  EXPECT_EQ(from_vector(std::vector<float>{1, 2, 3, 4}, {2, 2}).to_string(), "tensor([[1., 2.],\n        [3., 4.]])");
  EXPECT_EQ(arange(3, kInt32).to_string(), "tensor([0, 1, 2], dtype=int32)");
  EXPECT_EQ(from_vector(std::vector<bool>{true, false}).to_string(), "tensor([ True, False])");
  const std::string big = zeros({2000}).to_string();
  EXPECT_NE(big.find("..."), std::string::npos);
  EXPECT_LT(big.size(), 200u);
  EXPECT_EQ(Tensor().to_string(), "tensor(undefined)");
  const std::string q = quantize_per_tensor(from_vector(std::vector<float>{0.5f, 1.0f}), 0.5, 1, kQUInt8).to_string();
  EXPECT_EQ(q, "tensor([0.5000, 1.0000], size=[2], dtype=quint8, quantization_scheme=per_tensor_affine, "
               "scale=0.5, zero_point=1)");
}

}  // namespace
}  // namespace octet
