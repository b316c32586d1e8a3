// command_info.cpp: `octet info [--json]`: what this build and machine can run, and why not.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "commands.h"
#include "kernels/kernel_inventory.h"
#include "kernels/quantize_kernels.h"
#include "octet/cpu_features.h"
#include "octet/engine.h"
#include "octet/version.h"

namespace octet::cli {
namespace {

constexpr Isa kIsas[] = {Isa::Ref,  Isa::Avx2, Isa::Avx512,  Isa::Avx512Vnni,
                         Isa::Amx,  Isa::Neon, Isa::NeonDot, Isa::NeonI8mm};

struct IsaRow {
  Isa isa;
  bool usable;
  std::string reason;
};

struct KernelRow {
  std::string name;
  std::string family;
  Isa isa;
  bool usable;
  bool selected;
};

// Everything is gathered before anything is printed, so an error (a bad OCTET_MAX_ISA) leaves
// no half-written report behind.
struct Info {
  std::string version;
  CpuFeatures cpu;
  std::vector<std::string> features;
  bool env_cap_set = false;
  std::string env_cap;
  Isa max_isa = Isa::Ref;
  Isa best_isa = Isa::Ref;
  std::vector<IsaRow> isas;
  Isa quantize_isa = Isa::Ref;
  std::vector<KernelRow> kernels;
  Engine default_engine = Engine::Ref;
  Engine current_engine = Engine::Ref;
  std::vector<Engine> engines;
  int threads = 1;
};

Info gather() {
  Info info;
  info.version = octet::version();
  info.cpu = cpu_features();
  info.features = cpu_feature_names(info.cpu);
  if (const char* env = std::getenv("OCTET_MAX_ISA"); env != nullptr && env[0] != '\0') {
    info.env_cap_set = true;
    info.env_cap = env;
  }
  info.max_isa = max_isa();
  info.best_isa = best_isa();
  for (Isa isa : kIsas) info.isas.push_back({isa, isa_usable(isa), isa_rejection_reason(isa)});
  info.quantize_isa = kernels::quantize_kernels().isa;
  // Every integer kernel family, with what its dispatch selects under the current cap.
  for (const kernels::InventoryRow& k : kernels::kernel_inventory()) {
    KernelRow row;
    row.name = k.name;
    row.family = k.family;
    row.isa = k.isa;
    row.usable = k.usable;
    row.selected = k.selected;
    info.kernels.push_back(std::move(row));
  }
  info.default_engine = default_engine();
  info.current_engine = get_engine();
  info.engines = available_engines();
  info.threads = get_num_threads();
  return info;
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& s : items) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

std::vector<std::string> engine_names(const std::vector<Engine>& engines) {
  std::vector<std::string> out;
  for (Engine e : engines) out.emplace_back(engine_name(e));
  return out;
}

std::string cap_description(const Info& info) {
  std::string out = "cap: ";
  if (info.env_cap_set) {
    out += isa_name(info.max_isa);
    out += ", from OCTET_MAX_ISA=";
    out += info.env_cap;
  } else {
    out += "none, OCTET_MAX_ISA not set";
  }
  return out;
}

void field(std::string_view label, const std::string& value) {
  std::printf("  %-12.*s %s\n", static_cast<int>(label.size()), label.data(), value.c_str());
}

void print_text(const Info& info) {
  std::printf("octet %s\n\n", info.version.c_str());
  std::printf("CPU\n");
  field("vendor", info.cpu.vendor.empty() ? "unknown" : info.cpu.vendor);
  field("brand", info.cpu.brand.empty() ? "unknown" : info.cpu.brand);
  field("features", info.features.empty() ? "(none detected)" : join(info.features, " "));

  std::printf("\nISA levels (%s; best usable: %s)\n", cap_description(info).c_str(),
              std::string(isa_name(info.best_isa)).c_str());
  for (const IsaRow& row : info.isas) {
    field(isa_name(row.isa), row.usable ? "usable" : "not usable: " + row.reason);
  }

  std::printf("\nKernels (* = selected; quantize kernels picked at %s)\n",
              std::string(isa_name(info.quantize_isa)).c_str());
  std::size_t width = 0;
  for (const KernelRow& k : info.kernels) width = std::max(width, k.name.size());
  for (const KernelRow& k : info.kernels) {
    std::printf("  %c %-*s  %-11s %s\n", k.selected ? '*' : ' ', static_cast<int>(width),
                k.name.c_str(), std::string(isa_name(k.isa)).c_str(),
                k.usable ? "usable" : "not usable");
  }
  if (info.kernels.empty()) std::printf("  (none)\n");

  std::printf("\nEngines\n");
  field("default", std::string(engine_name(info.default_engine)));
  field("current", std::string(engine_name(info.current_engine)));
  field("available", join(engine_names(info.engines), ", "));

  std::printf("\nThreads\n");
  field("threads", std::to_string(info.threads));
}

// JSON string literal with the escapes RFC 8259 requires.
std::string quote(std::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  return out + "\"";
}

std::string quote_list(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ", ";
    out += quote(items[i]);
  }
  out += "]";
  return out;
}

const char* boolean(bool b) { return b ? "true" : "false"; }

void print_json(const Info& info) {
  std::ostringstream o;
  o << "{\n";
  o << "  \"version\": " << quote(info.version) << ",\n";
  o << "  \"cpu\": {\n";
  o << "    \"vendor\": " << quote(info.cpu.vendor) << ",\n";
  o << "    \"brand\": " << quote(info.cpu.brand) << ",\n";
  o << "    \"features\": " << quote_list(info.features) << "\n";
  o << "  },\n";
  o << "  \"octet_max_isa\": " << (info.env_cap_set ? quote(info.env_cap) : "null") << ",\n";
  o << "  \"max_isa\": " << quote(isa_name(info.max_isa)) << ",\n";
  o << "  \"best_isa\": " << quote(isa_name(info.best_isa)) << ",\n";
  o << "  \"isa_levels\": [\n";
  for (std::size_t i = 0; i < info.isas.size(); ++i) {
    const IsaRow& r = info.isas[i];
    o << "    {\"name\": " << quote(isa_name(r.isa)) << ", \"usable\": " << boolean(r.usable)
      << ", \"reason\": " << quote(r.reason) << "}" << (i + 1 < info.isas.size() ? ",\n" : "\n");
  }
  o << "  ],\n";
  o << "  \"quantize_kernels_isa\": " << quote(isa_name(info.quantize_isa)) << ",\n";
  o << "  \"kernels\": [\n";
  for (std::size_t i = 0; i < info.kernels.size(); ++i) {
    const KernelRow& k = info.kernels[i];
    o << "    {\"name\": " << quote(k.name) << ", \"family\": " << quote(k.family)
      << ", \"isa\": " << quote(isa_name(k.isa)) << ", \"usable\": " << boolean(k.usable)
      << ", \"selected\": " << boolean(k.selected) << "}"
      << (i + 1 < info.kernels.size() ? ",\n" : "\n");
  }
  o << "  ],\n";
  o << "  \"engine\": {\n";
  o << "    \"default\": " << quote(engine_name(info.default_engine)) << ",\n";
  o << "    \"current\": " << quote(engine_name(info.current_engine)) << ",\n";
  o << "    \"available\": " << quote_list(engine_names(info.engines)) << "\n";
  o << "  },\n";
  o << "  \"threads\": " << info.threads << "\n";
  o << "}\n";
  std::fputs(o.str().c_str(), stdout);
}

void print_help() {
  std::printf(
      "usage: octet info [--json]\n"
      "\n"
      "Shows the Octet version, the CPU and the ISA features it reports, the OCTET_MAX_ISA cap,\n"
      "each kernel ISA level (usable, or why not), the compiled kernels and which are selected,\n"
      "the engines and the thread count.\n"
      "\n"
      "options:\n"
      "  --json     print the same content as one JSON object\n"
      "  -h, --help print this help\n"
      "\n"
      "environment:\n"
      "  OCTET_MAX_ISA    cap the kernel ISA level (ref, avx2, avx512, avx512vnni, amx, neon,\n"
      "                   neondot, neoni8mm)\n"
      "  OMP_NUM_THREADS  default thread count\n");
}

}  // namespace

int command_info(std::span<const std::string_view> args) {
  bool json = false;
  for (std::string_view a : args) {
    if (a == "--json") {
      json = true;
    } else if (a == "--help" || a == "-h") {
      print_help();
      return 0;
    } else {
      std::string message = "unknown option '";
      message += a;
      message += "'; options: --json, --help";
      throw UsageError(message);
    }
  }
  const Info info = gather();
  if (json) {
    print_json(info);
  } else {
    print_text(info);
  }
  return 0;
}

}  // namespace octet::cli
