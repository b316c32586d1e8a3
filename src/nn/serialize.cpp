// serialize.cpp: save and load state dicts as safetensors files, quantized tensors as integers plus qparams (see serialize.h).
#include "octet/nn/serialize.h"

#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "core/tensor_impl.h"
#include "octet/io/safetensors.h"

namespace octet::nn {

namespace {

using json = nlohmann::json;

constexpr const char* kQuantizedKey = "octet.quantized";

std::string sibling(const std::string& key, const char* suffix) {
  std::string out = key;
  out.append(suffix);
  return out;
}

// The plain dtype that holds a quantized dtype's stored integers.
DType storage_dtype(DType q) {
  switch (q) {
    case DType::QUInt8:
    case DType::QUInt4x2: return kUInt8;
    case DType::QInt8: return kInt8;
    default: return kInt32;
  }
}

bool parse_dtype(const std::string& name, DType* out) {
  for (DType d : {DType::QUInt8, DType::QInt8, DType::QInt32, DType::QUInt4x2}) {
    if (name == dtype_name(d)) {
      *out = d;
      return true;
    }
  }
  return false;
}

bool parse_qscheme(const std::string& name, QScheme* out) {
  for (QScheme s : {kPerTensorAffine, kPerTensorSymmetric, kPerChannelAffine, kPerChannelSymmetric,
                    kPerChannelAffineFloatQParams}) {
    if (name == qscheme_name(s)) {
      *out = s;
      return true;
    }
  }
  return false;
}

// The tensor `key` of the file as a 0-d or 1-D tensor of `dtype` with `n` elements (n < 0: 0-d).
const Tensor& qparam_tensor(const std::map<std::string, Tensor>& tensors, const std::string& key, DType dtype,
                            int64_t n, const std::string& file, const std::string& of) {
  const char* where = "load_state_dict";
  auto it = tensors.find(key);
  OCTET_CHECK(it != tensors.end(), where, file, ": the quantized tensor \"", of, "\" has no \"", key, "\" tensor");
  const Tensor& t = it->second;
  OCTET_CHECK(t.dtype() == dtype, where, file, ": \"", key, "\" must be ", dtype, ", got ", t.dtype());
  const Shape expected = n < 0 ? Shape{} : Shape{n};
  OCTET_CHECK(t.shape() == expected, where, file, ": \"", key, "\" must have shape ", shape_to_string(expected),
              ", got ", shape_to_string(t.shape()));
  return t;
}

Tensor rebuild_quantized(std::map<std::string, Tensor>& tensors, const std::string& key, const json& info,
                         const std::string& file) {
  const char* where = "load_state_dict";
  OCTET_CHECK(info.is_object() && info.contains("dtype") && info.contains("qscheme") && info["dtype"].is_string() &&
                  info["qscheme"].is_string(),
              where, file, ": the \"", kQuantizedKey, "\" entry of \"", key,
              "\" must be an object with string \"dtype\" and \"qscheme\", got ", info.dump());
  DType dtype;
  QScheme scheme;
  OCTET_CHECK(parse_dtype(info["dtype"].get<std::string>(), &dtype), where, file, ": \"", key,
              "\" has an unknown quantized dtype ", info["dtype"].dump());
  OCTET_CHECK(parse_qscheme(info["qscheme"].get<std::string>(), &scheme), where, file, ": \"", key,
              "\" has an unknown qscheme ", info["qscheme"].dump());
  auto it = tensors.find(key);
  OCTET_CHECK(it != tensors.end(), where, file, ": \"", kQuantizedKey, "\" lists \"", key,
              "\" but the file has no tensor of that name");
  const Tensor ints = it->second;
  OCTET_CHECK(ints.dtype() == storage_dtype(dtype), where, file, ": the integers of \"", key, "\" (", dtype,
              ") must be stored as ", storage_dtype(dtype), ", got ", ints.dtype());
  Shape shape = ints.shape();
  if (dtype == DType::QUInt4x2) {
    OCTET_CHECK(info.contains("shape") && info["shape"].is_array(), where, file, ": the quint4x2 tensor \"", key,
                "\" needs its \"shape\" in the metadata");
    shape.clear();
    for (const json& d : info["shape"]) {
      OCTET_CHECK(d.is_number_integer() && d.get<int64_t>() >= 0, where, file, ": bad shape ", info["shape"].dump(),
                  " for \"", key, "\"");
      shape.push_back(d.get<int64_t>());
    }
    const int64_t n = shape_numel(shape, where);
    OCTET_CHECK(ints.dim() == 1 && ints.numel() == (n + 1) / 2, where, file, ": the quint4x2 tensor \"", key,
                "\" of shape ", shape_to_string(shape), " needs ", (n + 1) / 2, " packed bytes, got shape ",
                shape_to_string(ints.shape()));
  }
  const std::string skey = sibling(key, "_scale"), zkey = sibling(key, "_zero_point");
  QuantizerPtr q;
  if (!is_per_channel(scheme)) {
    const Tensor& s = qparam_tensor(tensors, skey, kFloat64, -1, file, key);
    const Tensor& z = qparam_tensor(tensors, zkey, kInt64, -1, file, key);
    q = Quantizer::per_tensor(dtype, s.item<double>(), z.item<int64_t>(), scheme);
  } else {
    OCTET_CHECK(info.contains("axis") && info["axis"].is_number_integer(), where, file, ": the per-channel tensor \"",
                key, "\" needs an integer \"axis\" in the metadata");
    const auto axis = info["axis"].get<int64_t>();
    OCTET_CHECK(axis >= 0 && axis < static_cast<int64_t>(shape.size()), where, file, ": axis ", axis, " of \"", key,
                "\" is outside its shape ", shape_to_string(shape));
    const int64_t c = shape[static_cast<std::size_t>(axis)];
    const Tensor& s = qparam_tensor(tensors, skey, kFloat64, c, file, key);
    const double* sp = s.data_ptr<double>();
    std::vector<double> scales(sp, sp + c);
    if (scheme == kPerChannelAffineFloatQParams) {
      const Tensor& z = qparam_tensor(tensors, zkey, kFloat32, c, file, key);
      const float* zp = z.data_ptr<float>();
      q = Quantizer::per_channel_float_qparams(dtype, std::move(scales), std::vector<float>(zp, zp + c), axis);
    } else {
      const Tensor& z = qparam_tensor(tensors, zkey, kInt64, c, file, key);
      const int64_t* zp = z.data_ptr<int64_t>();
      q = Quantizer::per_channel(dtype, std::move(scales), std::vector<int64_t>(zp, zp + c), axis, scheme);
    }
  }
  Tensor out = octet::detail::empty_quantized(shape, q, /*zero_fill=*/false);
  if (out.nbytes() > 0) std::memcpy(out.raw_data(), ints.contiguous().raw_data(), out.nbytes());
  tensors.erase(skey);
  tensors.erase(zkey);
  return out;
}

}  // namespace

void state_dict_to_safetensors(const StateDict& state_dict, std::map<std::string, Tensor>& tensors,
                               std::map<std::string, std::string>& metadata) {
  const char* where = "save_state_dict";
  json quantized = json::object();
  for (const auto& [key, tensor] : state_dict) {
    if (!tensor.is_quantized()) {
      OCTET_CHECK(tensors.emplace(key, tensor).second, where, "the key \"", key,
                  "\" is also the scale or zero point of a quantized tensor");
      continue;
    }
    const QuantizerPtr& q = tensor.quantizer();
    json info = {{"dtype", std::string(dtype_name(tensor.dtype()))}, {"qscheme", std::string(qscheme_name(q->qscheme()))}};
    Tensor scale, zero_point;
    if (!q->per_channel()) {
      scale = full({}, q->scale(), kFloat64);
      zero_point = full({}, static_cast<double>(q->zero_point()), kInt64);
    } else {
      info["axis"] = q->axis();
      scale = from_vector(q->scales());
      zero_point = q->qscheme() == kPerChannelAffineFloatQParams ? from_vector(q->float_zero_points())
                                                                 : from_vector(q->zero_points());
    }
    if (tensor.dtype() == DType::QUInt4x2) info["shape"] = tensor.shape();
    for (const auto& [name, value] : {std::pair<std::string, Tensor>{key, tensor.int_repr()},
                                {sibling(key, "_scale"), scale},
                                {sibling(key, "_zero_point"), zero_point}}) {
      OCTET_CHECK(!state_dict.contains(name) || name == key, where, "the state dict has both the quantized tensor \"",
                  key, "\" and a tensor named \"", name, "\", where its qparams go");
      OCTET_CHECK(tensors.emplace(name, value).second, where, "the key \"", name, "\" is written twice");
    }
    quantized[key] = info;
  }
  if (!quantized.empty()) metadata[kQuantizedKey] = quantized.dump();
}

StateDict state_dict_from_safetensors(std::map<std::string, Tensor> tensors,
                                      const std::map<std::string, std::string>& metadata, const std::string& file) {
  const char* where = "load_state_dict";
  std::map<std::string, Tensor> rebuilt;
  if (auto it = metadata.find(kQuantizedKey); it != metadata.end()) {
    const json quantized = json::parse(it->second, nullptr, /*allow_exceptions=*/false);
    OCTET_CHECK(quantized.is_object(), where, file, ": the \"", kQuantizedKey,
                "\" metadata must be a JSON object, got: ", it->second.substr(0, 200));
    for (const auto& [key, info] : quantized.items()) rebuilt.emplace(key, rebuild_quantized(tensors, key, info, file));
  }
  for (auto& [key, t] : rebuilt) tensors[key] = std::move(t);
  StateDict state_dict("state_dict");
  for (auto& [key, tensor] : tensors) state_dict.insert(key, std::move(tensor));
  return state_dict;
}

void save_state_dict(const Module& module, const std::string& path) {
  std::map<std::string, Tensor> tensors;
  std::map<std::string, std::string> metadata{{"format", "pt"}};
  state_dict_to_safetensors(module.state_dict(), tensors, metadata);
  io::save_safetensors(path, tensors, metadata);
}

IncompatibleKeys load_state_dict(Module& module, const std::string& path, bool strict) {
  io::SafetensorsFile file = io::load_safetensors(path);
  return module.load_state_dict(state_dict_from_safetensors(std::move(file.tensors), file.metadata, path), strict);
}

}  // namespace octet::nn
