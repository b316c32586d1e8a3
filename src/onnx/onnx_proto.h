// onnx_proto.h: the one include of libonnx's protobuf messages, checker, shape inference and version converter (internal to src/onnx).
//
// Debian's libonnx is built with ONNX_ML (only onnx-ml.pb.h is installed) in namespace `onnx`; the
// headers need both macros set before they are read, so every file of src/onnx includes libonnx
// through this header and nowhere else. Public headers never include it: users of Octet see
// octet::graph::Graph, not protobuf messages.
#pragma once

#ifndef ONNX_NAMESPACE
#define ONNX_NAMESPACE onnx
#endif
#ifndef ONNX_ML
#define ONNX_ML 1
#endif

#include <onnx/checker.h>
#include <onnx/defs/schema.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>
#include <onnx/version_converter/convert.h>
