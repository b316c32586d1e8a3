// type_merge.cpp: compatibility and merging of partly known types.
#include "graph/type_merge.h"

namespace octet::graph {

bool dims_compatible(const Dim& a, const Dim& b) { return !(a.is_static() && b.is_static()) || a.size() == b.size(); }

bool types_compatible(const TensorType& a, const TensorType& b) {
  if (a.dtype && b.dtype && *a.dtype != *b.dtype) return false;
  if (!a.shape || !b.shape) return true;
  if (a.shape->size() != b.shape->size()) return false;
  for (size_t i = 0; i < a.shape->size(); ++i) {
    if (!dims_compatible((*a.shape)[i], (*b.shape)[i])) return false;
  }
  return true;
}

TensorType merge_types(const TensorType& declared, const TensorType& inferred) {
  TensorType out = declared;
  if (!out.dtype) out.dtype = inferred.dtype;
  if (!out.shape) {
    out.shape = inferred.shape;
  } else if (inferred.shape) {
    for (size_t i = 0; i < out.shape->size(); ++i) {
      Dim& d = (*out.shape)[i];
      const Dim& e = (*inferred.shape)[i];
      if (d.is_unknown() || (d.is_symbolic() && e.is_static())) d = e;
    }
  }
  return out;
}

}  // namespace octet::graph
