// container_test.cpp: Sequential, ModuleList, ModuleDict, Identity, Flatten, Unflatten, and the
// printouts (compared with PyTorch's repr of the equivalent modules).
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "common/test_util.h"
#include "nn/test_models.h"
#include "octet/octet.h"

namespace octet::nn {
namespace {

using test_models::Block;
using test_models::Net;
using test_models::Norm;
using test_models::TestLinear;
using test_models::TestReLU;
using Keys = std::vector<std::string>;

TEST(Sequential, ChainsSingleTensorForwards) {
  Generator g(test::test_seed(21));
  auto lin = std::make_shared<TestLinear>(6, 3, true, &g);
  Sequential seq(std::make_shared<Flatten>(), std::make_shared<Identity>(), lin, std::make_shared<TestReLU>(),
                 std::make_shared<Unflatten>(1, Shape{1, -1}));
  const Tensor x = randn({5, 2, 3}, g);
  const Tensor y = seq.forward(x);
  const Tensor expected = TestReLU().forward(lin->forward(x.reshape({5, 6}))).reshape({5, 1, 3});
  EXPECT_EQ(y.shape(), (Shape{5, 1, 3}));
  EXPECT_TRUE(equal(y, expected));
  EXPECT_TRUE(equal(Sequential().forward(x), x));  // empty: the input itself
  Sequential bad(std::make_shared<ModuleList>());
  EXPECT_OCTET_ERROR(bad.forward(x), "forward: ModuleList has no single-tensor forward");
}

TEST(Sequential, IndexingNamingAndIteration) {
  auto a = std::make_shared<Identity>();
  auto b = std::make_shared<TestReLU>();
  Sequential seq{a, b};
  EXPECT_EQ(seq.size(), 2u);
  auto c = seq.push_back(std::make_shared<Flatten>());
  EXPECT_EQ(seq.named_children().keys(), (Keys{"0", "1", "2"}));
  EXPECT_EQ(seq[0].get(), a.get());
  EXPECT_EQ(seq[-1].get(), c.get());
  EXPECT_EQ(seq.at<TestReLU>(1).get(), b.get());
  std::vector<const Module*> seen;
  for (const ModulePtr& m : seq) seen.push_back(m.get());
  EXPECT_EQ(seen, (std::vector<const Module*>{a.get(), b.get(), c.get()}));
  EXPECT_OCTET_ERROR(seq[3], "Sequential: index 3 is out of range for 3 modules");
  EXPECT_OCTET_ERROR(seq[-4], "Sequential: index -4 is out of range for 3 modules");
  EXPECT_OCTET_ERROR(seq.at<Identity>(1), "Sequential: element 1 is a ReLU, not a octet::nn::Identity");

  Sequential named(std::vector<std::pair<std::string, ModulePtr>>{{"conv", a}, {"act", b}});
  named.push_back("flat", std::make_shared<Flatten>());
  EXPECT_EQ(named.named_children().keys(), (Keys{"conv", "act", "flat"}));
  EXPECT_EQ(named[1].get(), b.get());
  EXPECT_OCTET_ERROR(named.push_back("act", std::make_shared<Identity>()), "already has a child module named 'act'");
  Sequential from_vector(std::vector<ModulePtr>{a, b});
  EXPECT_EQ(from_vector.size(), 2u);
  EXPECT_FALSE(from_vector.empty());
}

TEST(ModuleList, AppendExtendInsert) {
  auto r = std::make_shared<TestReLU>();
  auto i = std::make_shared<Identity>();
  ModuleList list(r, i);
  list.extend({std::make_shared<Flatten>()});
  list.insert(1, std::make_shared<Norm>(2));
  list.insert(-1, std::make_shared<Identity>());
  list.insert(5, std::make_shared<TestReLU>());
  EXPECT_EQ(list.named_children().keys(), (Keys{"0", "1", "2", "3", "4", "5"}));
  Keys names;
  for (const ModulePtr& m : list) names.push_back(m->name());
  EXPECT_EQ(names, (Keys{"ReLU", "Norm", "Identity", "Identity", "Flatten", "ReLU"}));
  EXPECT_EQ(list[2].get(), i.get());
  EXPECT_EQ(list.at<Norm>(1)->name(), "Norm");
  EXPECT_EQ(list.named_parameters().keys(), (Keys{"1.weight", "1.bias"}));
  EXPECT_OCTET_ERROR(list.insert(8, std::make_shared<Identity>()), "ModuleList: insert index 8 is out of range for 6 modules");
  EXPECT_OCTET_ERROR(list[6], "ModuleList: index 6 is out of range for 6 modules");
  ModuleList empty_list;
  EXPECT_TRUE(empty_list.empty());
  empty_list.push_back(std::make_shared<Identity>());
  EXPECT_EQ(ModuleList(std::vector<ModulePtr>{r, i}).size(), 2u);
}

TEST(ModuleDict, KeysKeepTheirPositions) {
  auto a = std::make_shared<Identity>();
  ModuleDict dict({{"a", a}, {"b", std::make_shared<TestReLU>()}});
  dict.insert("c", std::make_shared<Flatten>());
  auto replacement = dict.insert("a", std::make_shared<TestReLU>());  // replaces in place
  EXPECT_EQ(dict.keys(), (Keys{"a", "b", "c"}));
  EXPECT_EQ(dict["a"].get(), replacement.get());
  dict.update({{"d", std::make_shared<Identity>()}, {"b", a}});
  EXPECT_EQ(dict.keys(), (Keys{"a", "b", "c", "d"}));
  EXPECT_EQ(dict["b"].get(), a.get());
  EXPECT_TRUE(dict.contains("d"));
  EXPECT_EQ(dict.values().size(), 4u);
  EXPECT_EQ(dict.items()[2].first, "c");
  EXPECT_EQ(dict.at<Flatten>("c")->start_dim(), 1);
  EXPECT_EQ(dict.pop("c")->name(), "Flatten");
  EXPECT_EQ(dict.keys(), (Keys{"a", "b", "d"}));
  EXPECT_OCTET_ERROR(dict["c"], "ModuleDict: no key 'c'");
  EXPECT_OCTET_ERROR(dict.pop("c"), "ModuleDict: no key 'c' to pop");
  EXPECT_OCTET_ERROR(dict.at<Flatten>("a"), "ModuleDict: element 'a' is a ReLU, not a octet::nn::Flatten");
  EXPECT_OCTET_ERROR(dict.insert("x.y", std::make_shared<Identity>()), "a name can't contain \".\"");
  dict.clear();
  EXPECT_TRUE(dict.empty());
}

TEST(Flatten, MergesDims) {
  const Tensor x = arange(120, kFloat32).reshape({2, 3, 4, 5});
  EXPECT_EQ(Flatten().forward(x).shape(), (Shape{2, 60}));
  EXPECT_EQ(Flatten(0, 1).forward(x).shape(), (Shape{6, 4, 5}));
  EXPECT_EQ(Flatten(-2, -1).forward(x).shape(), (Shape{2, 3, 20}));
  // A view when possible: same storage.
  EXPECT_EQ(Flatten().forward(x).storage(), x.storage());
  // Non-contiguous input: the values in logical order.
  const Tensor xt = x.transpose(1, 3);
  EXPECT_TRUE(equal(Flatten().forward(xt), xt.contiguous().reshape({2, 60})));
  EXPECT_OCTET_ERROR(Flatten(2, 1).forward(x), "start_dim (2) cannot come after end_dim (1)");
  EXPECT_OCTET_ERROR(Flatten().forward(Tensor{}), "Flatten: the input is undefined");
}

TEST(Unflatten, SplitsADim) {
  const Tensor x = arange(24, kFloat32).reshape({2, 12});
  EXPECT_EQ(Unflatten(1, {3, 4}).forward(x).shape(), (Shape{2, 3, 4}));
  EXPECT_EQ(Unflatten(-1, {2, -1, 3}).forward(x).shape(), (Shape{2, 2, 2, 3}));
  EXPECT_EQ(Unflatten(0, {1, 2}).forward(x).shape(), (Shape{1, 2, 12}));
  EXPECT_TRUE(equal(Unflatten(1, {3, 4}).forward(x).reshape({2, 12}), x));
  EXPECT_OCTET_ERROR(Unflatten(1, {5, 2}).forward(x),
                     "Unflatten: unflattened_size (5, 2) doesn't multiply up to the size of dim 1 (12) of the input of "
                     "shape [2, 12]");
  EXPECT_OCTET_ERROR(Unflatten(1, {5, -1}).forward(x), "Unflatten: unflattened_size (5, -1) cannot be inferred to fit dim 1 of size 12");
  EXPECT_OCTET_ERROR(Unflatten(2, {1, 2}).forward(x), "Unflatten: dim 2 is out of range for a 2-d input of shape [2, 12]");
  EXPECT_OCTET_ERROR(Unflatten(1, {-1, -1}), "Unflatten: only one size in unflattened_size can be -1");
  EXPECT_OCTET_ERROR(Unflatten(1, {}), "Unflatten: unflattened_size must be non-empty");
  EXPECT_OCTET_ERROR(Unflatten(1, {2, -3}), "Unflatten: sizes must be >= 0 or -1 (inferred), got (2, -3)");
}

// Expected strings: PyTorch's repr of the equivalent modules.
TEST(Printing, NestedModelLikePyTorch) {
  Net net;
  const std::string expected = R"(Net(
  (stem): Sequential(
    (0): Linear(in_features=4, out_features=8, bias=True)
    (1): ReLU()
  )
  (layer1): Sequential(
    (0): Block(
      (conv1): Linear(in_features=8, out_features=8, bias=True)
      (bn1): Norm()
      (relu): ReLU()
      (conv2): Linear(in_features=8, out_features=8, bias=False)
    )
    (1): Block(
      (conv1): Linear(in_features=8, out_features=8, bias=True)
      (bn1): Norm()
      (relu): ReLU()
      (conv2): Linear(in_features=8, out_features=8, bias=False)
    )
  )
  (head): ModuleDict(
    (fc): Linear(in_features=8, out_features=2, bias=True)
  )
))";
  EXPECT_EQ(net.to_string(), expected);
  std::ostringstream os;
  os << net;
  EXPECT_EQ(os.str(), expected);
}

TEST(Printing, ContainersAndLeaves) {
  Sequential brief{std::make_shared<TestLinear>(4, 2), std::make_shared<TestReLU>()};
  EXPECT_EQ(brief.to_string(), "Sequential(\n  (0): Linear(in_features=4, out_features=2, bias=True)\n  (1): ReLU()\n)");
  ModuleList list(std::make_shared<TestReLU>(), std::make_shared<TestReLU>(), std::make_shared<TestLinear>(2, 3),
                  std::make_shared<TestLinear>(2, 3), std::make_shared<Identity>());
  EXPECT_EQ(list.to_string(),
            "ModuleList(\n  (0-1): 2 x ReLU()\n  (2-3): 2 x Linear(in_features=2, out_features=3, bias=True)\n"
            "  (4): Identity()\n)");
  EXPECT_EQ(ModuleList().to_string(), "ModuleList()");
  EXPECT_EQ(Sequential().to_string(), "Sequential()");
  ModuleDict dict({{"a", std::make_shared<TestReLU>()}, {"b", std::make_shared<Flatten>()}});
  EXPECT_EQ(dict.to_string(), "ModuleDict(\n  (a): ReLU()\n  (b): Flatten(start_dim=1, end_dim=-1)\n)");
  EXPECT_EQ(Unflatten(1, {2, 3}).to_string(), "Unflatten(dim=1, unflattened_size=(2, 3))");
  EXPECT_EQ(Unflatten(-1, {6}).to_string(), "Unflatten(dim=-1, unflattened_size=(6,))");
  Sequential nested(std::make_shared<Sequential>(std::make_shared<TestLinear>(4, 2), std::make_shared<TestReLU>()),
                    std::make_shared<ModuleList>(std::make_shared<TestReLU>(), std::make_shared<TestReLU>()));
  EXPECT_EQ(nested.to_string(), R"(Sequential(
  (0): Sequential(
    (0): Linear(in_features=4, out_features=2, bias=True)
    (1): ReLU()
  )
  (1): ModuleList(
    (0-1): 2 x ReLU()
  )
))");
}

// A module whose extra_repr has several lines prints them one per line, children after.
class MultiLine : public Cloneable<MultiLine> {
 public:
  MultiLine() { register_module("act", std::make_shared<TestReLU>()); }
  std::string extra_repr() const override { return "alpha=1\nbeta=2"; }
};

TEST(Printing, MultiLineExtraRepr) {
  EXPECT_EQ(MultiLine().to_string(), "MultiLine(\n  alpha=1\n  beta=2\n  (act): ReLU()\n)");
  Sequential wrapped(std::make_shared<MultiLine>());
  EXPECT_EQ(wrapped.to_string(), "Sequential(\n  (0): MultiLine(\n    alpha=1\n    beta=2\n    (act): ReLU()\n  )\n)");
}

}  // namespace
}  // namespace octet::nn
