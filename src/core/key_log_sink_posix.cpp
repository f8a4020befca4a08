// key_log_sink_posix.cpp - the key log's setting and file outside Windows (core/key_log_sink.h).
#if !defined(_WIN32)
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "core/key_log.h"
#include "core/key_log_sink.h"

namespace opensslp::key_log::sink {

Setting ReadSetting() {
  Setting setting;
  setting.source = std::string("environment ") + kEnvironmentVariable;
  const char* value = std::getenv(kEnvironmentVariable);
  if (value != nullptr) setting.file = value;
  return setting;
}

std::intptr_t OpenForAppend(const std::string& file, std::string& error) {
  // 0600: the secrets are the owner's. O_APPEND makes each write() land whole at the end, also
  // with other processes appending (POSIX write(2)); O_CLOEXEC keeps the file out of children.
  const int fd = ::open(file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
  if (fd < 0) {
    error = std::string("cannot open ") + file + ": " + std::strerror(errno);
    return -1;
  }
  // A file that already existed keeps its mode through open(): a regular file of ours is made
  // 0600 like a new one (someone may have created it world-readable first). A device (/dev/null,
  // a FIFO) is left as it is: it stores nothing.
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
    if (st.st_uid != ::geteuid()) {
      error = "refusing " + file + ": it belongs to another user (uid " + std::to_string(st.st_uid) + ")";
      ::close(fd);
      return -1;
    }
    if ((st.st_mode & 077) != 0 && ::fchmod(fd, 0600) != 0) {
      error = std::string("cannot make ") + file + " private (chmod 0600): " + std::strerror(errno);
      ::close(fd);
      return -1;
    }
  }
  return fd;
}

bool Append(std::intptr_t handle, const char* data, std::size_t size) noexcept {
  ssize_t n;
  do {
    n = ::write(static_cast<int>(handle), data, size);
  } while (n < 0 && errno == EINTR);
  return n == static_cast<ssize_t>(size);
}

void Close(std::intptr_t handle) noexcept { ::close(static_cast<int>(handle)); }

void AnnounceEnabled(const std::string&) noexcept {}

}  // namespace opensslp::key_log::sink
#endif
