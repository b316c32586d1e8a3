// engine.h: the quantized engine (backend) in use and the number of threads, set globally.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace octet {

// Like torch.backends.quantized.engine. PyTorch's names are accepted as aliases: "fbgemm",
// "onednn" and "x86" select X86; "qnnpack" selects Arm on aarch64 and Ref elsewhere.
enum class Engine { X86, Arm, Cuda, Ref };

std::string_view engine_name(Engine e);  // "x86", "arm", "cuda", "ref"
// Parses an engine name or alias (case-insensitive); an Error listing valid names otherwise.
Engine parse_engine(std::string_view name);
// Whether this build and machine can run the engine (x86 on x86-64, arm on aarch64, cuda when
// compiled with CUDA and a device is present, ref always).
bool engine_available(Engine e);
std::vector<Engine> available_engines();
// The default: x86 on x86-64, arm on aarch64, else ref.
Engine default_engine();

Engine get_engine();
void set_engine(Engine e);             // an Error when the engine is not available
void set_engine(std::string_view name);

// Threads used by parallel operators (OpenMP). Defaults to the number of cores OpenMP reports
// (OMP_NUM_THREADS respected). n must be >= 1. The setting is global, not per calling thread:
// operators pass num_threads(get_num_threads()) to each parallel region.
void set_num_threads(int n);
int get_num_threads();

}  // namespace octet
