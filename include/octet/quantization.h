// quantization.h: torch.ao.quantization in one include: observers, fake quantization, qconfigs
// (docs/observers.md) and the eager-mode workflow -- stubs, fuse_modules, prepare, convert,
// quantize, quantize_dynamic, module mappings (docs/quantization.md).
#pragma once

#include "octet/fake_quantize.h"
#include "octet/quantization/activation_post_process.h"
#include "octet/quantization/observer.h"
#include "octet/quantization/min_max_observer.h"
#include "octet/quantization/per_channel_observer.h"
#include "octet/quantization/histogram_observer.h"
#include "octet/quantization/histogram_calibration.h"
#include "octet/quantization/entropy_observer.h"
#include "octet/quantization/percentile_observer.h"
#include "octet/quantization/mse_observer.h"
#include "octet/quantization/placeholder_observer.h"
#include "octet/quantization/fixed_qparams_observer.h"
#include "octet/quantization/recording_observer.h"
#include "octet/quantization/fake_quantize.h"
#include "octet/quantization/qconfig.h"
#include "octet/quantization/qat_qconfig.h"
#include "octet/quantization/stubs.h"
#include "octet/quantization/observed_module.h"
#include "octet/quantization/module_mapping.h"
#include "octet/quantization/quantize.h"
