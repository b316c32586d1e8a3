// graph.h: the graph IR in one include: Graph/Node/Value, the builder, printer, verifier,
// interpreter, operator registry, passes and pattern matcher (docs/graph.md).
#pragma once

#include "octet/graph/attribute.h"
#include "octet/graph/builder.h"
#include "octet/graph/data_type.h"
#include "octet/graph/graph.h"
#include "octet/graph/interpreter.h"
#include "octet/graph/op_registry.h"
#include "octet/graph/passes.h"
#include "octet/graph/pattern.h"
#include "octet/graph/printer.h"
#include "octet/graph/types.h"
#include "octet/graph/verifier.h"
