// type_merge.h: comparing and combining what two sources know of one value's type (declared vs inferred).
#pragma once

#include <optional>

#include "octet/graph/types.h"

namespace octet::graph {

// Two dims can describe the same size: equal, or either is a symbol or unknown.
bool dims_compatible(const Dim& a, const Dim& b);
// Two types can describe the same tensor: dtypes equal where both known, ranks equal where both
// known, and every dim pair compatible.
bool types_compatible(const TensorType& a, const TensorType& b);
// What both say together: a known part beats an unknown one, a size beats a symbol, and a
// declared symbol beats an inferred one. The types must be compatible.
TensorType merge_types(const TensorType& declared, const TensorType& inferred);

}  // namespace octet::graph
