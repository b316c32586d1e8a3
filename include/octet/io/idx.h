// idx.h: read the IDX format (LeCun's MNIST files, Fashion-MNIST) and load the Fashion-MNIST dataset.
//
// IDX file layout, all numbers big-endian:
//
//   bytes 0-1  0x00 0x00
//   byte  2    the element type: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32,
//              0x0E float64
//   byte  3    the number of dimensions, D (1..8 here)
//   D x uint32 the size of each dimension
//   data       the elements in C order, big-endian, exactly filling the rest of the file
//
// The files are usually shipped gzipped (train-images-idx3-ubyte.gz); read_idx decompresses a file
// that starts with the gzip magic (1f 8b) and reads any other file as it is. Files are untrusted: the
// header is validated before the data is read, and a wrong magic, a truncated file, trailing bytes or
// a corrupt gzip stream is an octet::Error naming the file and the problem.
#pragma once

#include <string>

#include "octet/tensor.h"

namespace octet::io {

// The IDX file at path as a contiguous tensor of the file's dtype (uint8, int8, int16, int32,
// float32, float64) and shape, converted to the host's byte order.
Tensor read_idx(const std::string& path);

// One split of Fashion-MNIST (Zalando's 28x28 grey images of clothing, 10 classes).
struct FashionMNIST {
  Tensor images;  // uint8 [N, 28, 28], 0 = background
  Tensor labels;  // int64 [N], 0..9: T-shirt/top, Trouser, Pullover, Dress, Coat, Sandal, Shirt,
                  // Sneaker, Bag, Ankle boot
};

// Loads root/{train,t10k}-images-idx3-ubyte[.gz] and the matching labels-idx1-ubyte[.gz] (the
// gzipped name is tried first). An Error names the file when one is missing (from the default folder
// it also says to install Debian's dataset-fashion-mnist package), when the images are not uint8
// [N, 28, 28], the labels not uint8 [N] in 0..9, or the counts differ.
FashionMNIST load_fashion_mnist(const std::string& root, bool train);

// The environment variable OCTET_FASHION_MNIST when set, else "/usr/share/datasets/fashion-mnist",
// where Debian's dataset-fashion-mnist package installs the files.
std::string default_fashion_mnist_root();

// The ten class names, by label.
const char* fashion_mnist_class_name(int64_t label);

}  // namespace octet::io
