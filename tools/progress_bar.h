// progress_bar.h: a one-line progress bar on stderr for long CLI steps (calibration): redrawn in
// place on a terminal, printed once at the end otherwise, so logs stay readable.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

namespace octet::cli {

class ProgressBar {
 public:
  ProgressBar(std::string label, int64_t total)
      : label_(std::move(label)), total_(total > 0 ? total : 1), tty_(isatty(fileno(stderr)) != 0) {}

  // Sets the number of items done (0..total) and redraws when the bar moves.
  void update(int64_t done) {
    const int width = 30;
    const int filled = static_cast<int>(width * done / total_);
    if (done < total_ && (!tty_ || filled == last_filled_)) return;
    last_filled_ = filled;
    std::string bar(static_cast<size_t>(filled), '#');
    bar.append(static_cast<size_t>(width - filled), '.');
    std::fprintf(stderr, "%s%-24s [%s] %lld/%lld%s", tty_ ? "\r" : "", label_.c_str(), bar.c_str(),
                 static_cast<long long>(done), static_cast<long long>(total_), done >= total_ ? "\n" : "");
    std::fflush(stderr);
  }

 private:
  std::string label_;
  int64_t total_;
  bool tty_;
  int last_filled_ = -1;
};

}  // namespace octet::cli
