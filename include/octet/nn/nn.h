// nn.h: octet::nn, torch.nn's module system in C++: Module, Cloneable, containers, init, and
// state dicts on disk.
#pragma once

#include "octet/nn/activation.h"
#include "octet/nn/batchnorm.h"
#include "octet/nn/cloneable.h"
#include "octet/nn/container.h"
#include "octet/nn/conv.h"
#include "octet/nn/dropout.h"
#include "octet/nn/flatten.h"
#include "octet/nn/identity.h"
#include "octet/nn/init.h"
#include "octet/nn/linear.h"
#include "octet/nn/module.h"
#include "octet/nn/normalization.h"
#include "octet/nn/ordered_dict.h"
#include "octet/nn/padding.h"
#include "octet/nn/pixelshuffle.h"
#include "octet/nn/pooling.h"
#include "octet/nn/rnn.h"
#include "octet/nn/serialize.h"
#include "octet/nn/sparse.h"
#include "octet/nn/upsampling.h"
