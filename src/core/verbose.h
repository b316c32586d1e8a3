// verbose.h: the OCTET_VERBOSE diagnostic log on stderr (internal): which kernel was picked and why others were not.
#pragma once

#include <string_view>

namespace octet {

// Whether OCTET_VERBOSE is set to a positive integer (read once, at first use), unless a test
// overrode it with set_verbose_enabled().
bool verbose_enabled();
// Writes "octet: <line>\n" to stderr when verbose_enabled(); one write per line, so lines from
// several threads do not interleave.
void verbose_log(std::string_view line);
// Overrides OCTET_VERBOSE (tests).
void set_verbose_enabled(bool enabled);

}  // namespace octet
