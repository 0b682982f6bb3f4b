// Writing a whole buffer to a file descriptor (pipes between lpsim's processes, journals).
#pragma once

#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <string>

namespace lpsim {

// Writes all of `s` to `fd`, retrying after EINTR and short writes; false on any other failure.
inline bool write_all(int fd, const std::string& s) {
  std::size_t done = 0;
  while (done < s.size()) {
    const ssize_t n = ::write(fd, s.data() + done, s.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace lpsim
