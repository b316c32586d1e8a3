// engine_test.cpp: engine names and PyTorch aliases, engine selection errors, and the thread count.
#include "octet/engine.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "octet/error.h"

namespace octet {
namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

bool is_available(Engine e) {
  const std::vector<Engine> all = available_engines();
  return std::find(all.begin(), all.end(), e) != all.end();
}

// Restores the engine and thread count a test changed.
class EngineGuard {
 public:
  EngineGuard() : engine_(get_engine()), threads_(get_num_threads()) {}
  ~EngineGuard() {
    set_engine(engine_);
    set_num_threads(threads_);
  }
  EngineGuard(const EngineGuard&) = delete;
  EngineGuard& operator=(const EngineGuard&) = delete;

 private:
  Engine engine_;
  int threads_;
};

TEST(EngineName, Names) {
  EXPECT_EQ(engine_name(Engine::X86), "x86");
  EXPECT_EQ(engine_name(Engine::Arm), "arm");
  EXPECT_EQ(engine_name(Engine::Cuda), "cuda");
  EXPECT_EQ(engine_name(Engine::Ref), "ref");
  for (Engine e : {Engine::X86, Engine::Arm, Engine::Cuda, Engine::Ref}) {
    EXPECT_EQ(parse_engine(engine_name(e)), e);
  }
}

TEST(ParseEngine, PyTorchAliases) {
  EXPECT_EQ(parse_engine("fbgemm"), Engine::X86);
  EXPECT_EQ(parse_engine("onednn"), Engine::X86);
  EXPECT_EQ(parse_engine("x86"), Engine::X86);
#if defined(__aarch64__)
  EXPECT_EQ(parse_engine("qnnpack"), Engine::Arm);
#else
  EXPECT_EQ(parse_engine("qnnpack"), Engine::Ref);
#endif
  EXPECT_EQ(parse_engine("ref"), Engine::Ref);
}

TEST(ParseEngine, CaseInsensitive) {
  EXPECT_EQ(parse_engine("FBGEMM"), Engine::X86);
  EXPECT_EQ(parse_engine("OneDNN"), Engine::X86);
  EXPECT_EQ(parse_engine("X86"), Engine::X86);
  EXPECT_EQ(parse_engine("ARM"), Engine::Arm);
  EXPECT_EQ(parse_engine("Cuda"), Engine::Cuda);
  EXPECT_EQ(parse_engine("REF"), Engine::Ref);
  EXPECT_EQ(parse_engine("QNNPACK"), parse_engine("qnnpack"));
}

TEST(ParseEngine, BadNamesAreErrorsListingValidNames) {
  for (const std::string bad : {"", "tensorrt", "x86 ", "fbgem", "mkldnn"}) {
    try {
      parse_engine(bad);
      FAIL() << "parse_engine accepted '" << bad << "'";
    } catch (const Error& e) {
      EXPECT_EQ(e.where(), "parse_engine");
      EXPECT_TRUE(contains(e.message(), "unknown engine '" + bad + "'")) << e.what();
      for (const char* valid : {"x86", "fbgemm", "onednn", "arm", "qnnpack", "cuda", "ref"}) {
        EXPECT_TRUE(contains(e.message(), valid)) << e.what();
      }
    }
  }
}

TEST(Engines, DefaultIsAvailable) {
  EXPECT_TRUE(engine_available(default_engine()));
  EXPECT_TRUE(is_available(default_engine()));
  EXPECT_TRUE(engine_available(Engine::Ref));
  EXPECT_TRUE(is_available(Engine::Ref));
  for (Engine e : {Engine::X86, Engine::Arm, Engine::Cuda, Engine::Ref}) {
    EXPECT_EQ(engine_available(e), is_available(e)) << engine_name(e);
  }
#if defined(__x86_64__)
  EXPECT_EQ(default_engine(), Engine::X86);
  EXPECT_FALSE(engine_available(Engine::Arm));
#elif defined(__aarch64__)
  EXPECT_EQ(default_engine(), Engine::Arm);
  EXPECT_FALSE(engine_available(Engine::X86));
#endif
}

TEST(Engines, CudaIsNotCompiledIn) {
  EngineGuard guard;
  EXPECT_FALSE(engine_available(Engine::Cuda));
  const Engine before = get_engine();
  try {
    set_engine("cuda");
    FAIL() << "set_engine(\"cuda\") succeeded";
  } catch (const Error& e) {
    EXPECT_TRUE(contains(e.message(),
                         "cuda engine is not available: this build was compiled without CUDA"))
        << e.what();
  }
  EXPECT_THROW(set_engine(Engine::Cuda), Error);
  EXPECT_EQ(get_engine(), before);
}

TEST(Engines, SetAndGet) {
  EngineGuard guard;
  set_engine(Engine::Ref);
  EXPECT_EQ(get_engine(), Engine::Ref);
  set_engine(default_engine());
  EXPECT_EQ(get_engine(), default_engine());
  set_engine("REF");
  EXPECT_EQ(get_engine(), Engine::Ref);
#if defined(__x86_64__)
  set_engine("fbgemm");
  EXPECT_EQ(get_engine(), Engine::X86);
  set_engine("ref");
  set_engine("onednn");
  EXPECT_EQ(get_engine(), Engine::X86);
#endif
}

TEST(Engines, UnavailableEngineIsAnErrorNamingAlternatives) {
  EngineGuard guard;
  const Engine other =
#if defined(__aarch64__)
      Engine::X86;
#else
      Engine::Arm;
#endif
  const Engine before = get_engine();
  try {
    set_engine(other);
    FAIL() << "set_engine(" << engine_name(other) << ") succeeded";
  } catch (const Error& e) {
    EXPECT_EQ(e.where(), "set_engine");
    EXPECT_TRUE(contains(e.message(), std::string(engine_name(other)) + " engine is not available"))
        << e.what();
    EXPECT_TRUE(contains(e.message(), "available engines: ")) << e.what();
    EXPECT_TRUE(contains(e.message(), "ref")) << e.what();
  }
  EXPECT_EQ(get_engine(), before);
}

TEST(Engines, SetEngineWithBadNameNamesIt) {
  EngineGuard guard;
  try {
    set_engine("tflite");
    FAIL() << "set_engine(\"tflite\") succeeded";
  } catch (const Error& e) {
    EXPECT_EQ(e.where(), "set_engine");
    EXPECT_TRUE(contains(e.message(), "'tflite'")) << e.what();
    EXPECT_TRUE(contains(e.message(), "valid names")) << e.what();
  }
}

TEST(Threads, DefaultIsPositive) { EXPECT_GE(get_num_threads(), 1); }

TEST(Threads, SetAndGet) {
  EngineGuard guard;
  set_num_threads(3);
  EXPECT_EQ(get_num_threads(), 3);
  EXPECT_EQ(omp_get_max_threads(), 3);
  set_num_threads(1);
  EXPECT_EQ(get_num_threads(), 1);
}

TEST(Threads, VisibleFromOtherThreads) {
  EngineGuard guard;
  set_num_threads(5);
  int seen = 0;
  std::thread([&] { seen = get_num_threads(); }).join();
  EXPECT_EQ(seen, 5);
}

TEST(Threads, NonPositiveIsAnError) {
  EngineGuard guard;
  set_num_threads(2);
  for (int bad : {0, -1}) {
    try {
      set_num_threads(bad);
      FAIL() << "set_num_threads(" << bad << ") succeeded";
    } catch (const Error& e) {
      EXPECT_EQ(e.where(), "set_num_threads");
      EXPECT_EQ(e.message(), "n must be >= 1, got " + std::to_string(bad));
    }
  }
  EXPECT_EQ(get_num_threads(), 2);
}

}  // namespace
}  // namespace octet
