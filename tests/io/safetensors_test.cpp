// safetensors_test.cpp: loading files written by safetensors.torch.save_file, exact values, and
// round trips of Octet-written files (every dtype, views, 0-d, empty, metadata) through Octet.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "common/test_util.h"
#include "io/io_test_util.h"
#include "octet/octet.h"

namespace octet {
namespace {

using nlohmann::json;

void expect_file_matches(const io::SafetensorsFile& f, const json& want, const std::string& what) {
  const auto metadata = want.at("metadata").get<std::map<std::string, std::string>>();
  EXPECT_EQ(f.metadata, metadata) << what;
  ASSERT_EQ(f.tensors.size(), want.at("tensors").size()) << what;
  for (const auto& [name, record] : want.at("tensors").items()) {
    ASSERT_EQ(f.tensors.count(name), 1u) << what << " lacks " << name;
    test::expect_matches(f.tensors.at(name), record, what + " " + name);
  }
}

TEST(Safetensors, LoadsEveryDtypeWrittenByTorch) {
  for (const std::string file : {"all_dtypes.safetensors", "no_metadata.safetensors"}) {
    const json& want = test::io_expected().at(file);
    expect_file_matches(io::load_safetensors(test::io_data(file)), want, file);
    // The same bytes from memory.
    const std::vector<uint8_t> bytes = test::read_bytes(test::io_data(file));
    expect_file_matches(io::load_safetensors(bytes, file), want, file + " (memory)");
  }
}

// One tensor of every supported dtype, with awkward shapes.
std::map<std::string, Tensor> every_dtype(Generator& g) {
  std::map<std::string, Tensor> m;
  m["f32"] = randn({3, 5}, g);
  m["f64"] = randn({7}, g, kFloat64);
  m["f16"] = randn({2, 3}, g).to(kFloat16);
  m["bf16"] = randn({5, 1}, g).to(kBFloat16);
  m["i64"] = randint(-1000000, 1000000, {4}, g);
  m["i32"] = randint(-100000, 100000, {3, 3}, g, kInt32);
  m["i16"] = randint(-30000, 30000, {9}, g, kInt16);
  m["i8"] = randint(-128, 128, {2, 2, 3}, g, kInt8);
  m["u8"] = randint(0, 256, {11}, g, kUInt8);
  m["bool"] = randint(0, 2, {3, 4}, g).to(kBool);
  m["scalar"] = full({}, -4.5);
  m["empty"] = empty({2, 0, 3}, kInt16);
  return m;
}

TEST(Safetensors, RoundTripsEveryDtype) {
  Generator g(test::test_seed(11));
  const auto tensors = every_dtype(g);
  const std::map<std::string, std::string> meta{{"format", "pt"}, {"empty", ""}, {"k\"ey", "v\\al\n"}};
  const std::vector<uint8_t> bytes = io::save_safetensors(tensors, meta);
  const io::SafetensorsFile back = io::load_safetensors(bytes);
  EXPECT_EQ(back.metadata, meta);
  ASSERT_EQ(back.tensors.size(), tensors.size());
  for (const auto& [name, t] : tensors) test::expect_identical(back.tensors.at(name), t, name);

  // Through a file: the same bytes.
  test::TempFile tmp(".safetensors");
  io::save_safetensors(tmp.path(), tensors, meta);
  EXPECT_EQ(test::read_bytes(tmp.path()), bytes);
  const io::SafetensorsFile from_file = io::load_safetensors(tmp.path());
  for (const auto& [name, t] : tensors) test::expect_identical(from_file.tensors.at(name), t, name);
}

TEST(Safetensors, WritesViewsContiguously) {
  Generator g(test::test_seed(12));
  const Tensor base = randn({4, 6, 5}, g);
  const std::map<std::string, Tensor> views{{"permuted", base.permute({2, 0, 1})},
                                            {"sliced", base.slice(1, 1, 6, 2)},
                                            {"expanded", randn({3, 1}, g).expand({3, 4})},
                                            {"selected", base.select(2, 3)}};
  const io::SafetensorsFile back = io::load_safetensors(io::save_safetensors(views));
  for (const auto& [name, t] : views) {
    test::expect_identical(back.tensors.at(name), t, name);
    EXPECT_TRUE(back.tensors.at(name).is_contiguous()) << name;
  }
}

TEST(Safetensors, HeaderFollowsTheReferenceLayout) {
  Generator g(test::test_seed(13));
  const std::map<std::string, Tensor> tensors{
      {"a", randint(0, 256, {3}, g, kUInt8)}, {"b", randn({2}, g, kFloat64)}, {"c", randn({1}, g)}};
  const std::vector<uint8_t> bytes = io::save_safetensors(tensors, {{"x", "y"}});
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | bytes[static_cast<std::size_t>(i)];
  EXPECT_EQ(n % 8, 0u) << "data must start 8-byte aligned";
  const std::string header(bytes.begin() + 8, bytes.begin() + 8 + static_cast<std::ptrdiff_t>(n));
  const std::size_t last = header.find_last_not_of(' ');
  EXPECT_EQ(header[last], '}');
  EXPECT_LT(n - last - 1, 8u) << "at most 7 padding spaces";
  // Keys sorted; data ordered by element size (8, 4, 1 bytes) so each tensor is aligned.
  EXPECT_EQ(header.substr(0, last + 1),
            R"({"__metadata__":{"x":"y"},"a":{"data_offsets":[20,23],"dtype":"U8","shape":[3]},)"
            R"("b":{"data_offsets":[0,16],"dtype":"F64","shape":[2]},)"
            R"("c":{"data_offsets":[16,20],"dtype":"F32","shape":[1]}})");
  EXPECT_EQ(bytes.size(), 8 + n + 23);
}

TEST(Safetensors, EmptyMapRoundTrips) {
  const std::vector<uint8_t> bytes = io::save_safetensors({});
  EXPECT_EQ(bytes.size(), 16u);  // "{}" padded to 8 bytes
  const io::SafetensorsFile back = io::load_safetensors(bytes);
  EXPECT_TRUE(back.tensors.empty());
  EXPECT_TRUE(back.metadata.empty());
}

TEST(Safetensors, LoadedTensorsOwnTheirMemory) {
  std::vector<uint8_t> bytes = io::save_safetensors({{"w", full({2}, 3.0)}});
  const io::SafetensorsFile f = io::load_safetensors(bytes);
  std::fill(bytes.begin(), bytes.end(), 0);
  EXPECT_EQ(f.tensors.at("w").at<float>({1}), 3.0f);
}

TEST(Safetensors, WriterRejectsWhatTheFormatCannotHold) {
  const Tensor q = quantize_per_tensor(full({2}, 1.0), 0.1, 0, kQInt8);
  EXPECT_OCTET_ERROR(io::save_safetensors({{"q", q}}), "save_safetensors: tensor 'q' is quantized (qint8)");
  EXPECT_OCTET_ERROR(io::save_safetensors({{"u", Tensor()}}), "save_safetensors: tensor 'u' is undefined");
  EXPECT_OCTET_ERROR(io::save_safetensors({{"__metadata__", full({1}, 0.0)}}),
                     "a tensor cannot be named __metadata__");
  EXPECT_OCTET_ERROR(io::save_safetensors({{std::string("bad\xff"), full({1}, 0.0)}}), "not valid UTF-8");
  EXPECT_OCTET_ERROR(io::save_safetensors({{"w", full({1}, 0.0)}}, {{"k", std::string("\xc3")}}),
                     "not valid UTF-8");
  EXPECT_OCTET_ERROR(io::save_safetensors("/nonexistent-dir/x.safetensors", {{"w", full({1}, 0.0)}}),
                     "save_safetensors: /nonexistent-dir/x.safetensors: cannot open for writing");
}

TEST(Safetensors, MissingFileIsAnError) {
  EXPECT_OCTET_ERROR(io::load_safetensors("/nonexistent-dir/x.safetensors"),
                     "load_safetensors: /nonexistent-dir/x.safetensors: cannot open for reading");
  EXPECT_OCTET_ERROR(io::load_safetensors(::testing::TempDir()), "load_safetensors: ");
}

}  // namespace
}  // namespace octet
