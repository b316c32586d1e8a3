// octet.h: the whole public API of Octet in one include.
#pragma once

#include "octet/version.h"
#include "octet/error.h"
#include "octet/half.h"
#include "octet/dtype.h"
#include "octet/generator.h"
#include "octet/quantizer.h"
#include "octet/tensor.h"
#include "octet/qparams.h"
#include "octet/quantize.h"
#include "octet/cpu_features.h"
#include "octet/engine.h"
#include "octet/functional.h"
#include "octet/quantized.h"
#include "octet/io/numpy.h"
#include "octet/io/safetensors.h"
#include "octet/nn/nn.h"
