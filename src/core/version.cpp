// version.cpp: the version of the compiled library, for comparison with the headers' version.
#include "octet/version.h"

namespace octet {

const char* version() { return OCTET_VERSION_STRING; }

}  // namespace octet
