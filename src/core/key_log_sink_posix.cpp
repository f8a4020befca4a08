// key_log_sink_posix.cpp - the key log's file outside Windows (core/key_log_sink.h).
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

std::intptr_t OpenForAppend(const std::string& file, std::string& error) {
  // O_APPEND makes each write() land whole at the end, also with other processes appending
  // (POSIX write(2)); O_CLOEXEC keeps the file out of children; O_NOFOLLOW refuses a symbolic
  // link (one planted in a shared directory would send the secrets elsewhere); O_NONBLOCK keeps a
  // FIFO without a reader from blocking the open (FIFOs are refused below). A new file is 0600.
  const int fd = ::open(file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK,
                        0600);
  if (fd < 0) {
    const int e = errno;
    error = "cannot open " + file + ": " + std::strerror(e) + (e == ELOOP ? " (a symbolic link is refused)" : "");
    return -1;
  }
  // Which kinds of file: a regular file, or a character device (/dev/null, /dev/full, a
  // terminal). A FIFO or socket could block the writer or raise SIGPIPE in the host process.
  struct stat st {};
  const char* refusal = nullptr;
  if (::fstat(fd, &st) != 0) {
    refusal = "cannot stat it";
  } else if (S_ISCHR(st.st_mode)) {
    // A device stores nothing of its own; use it as it is.
  } else if (!S_ISREG(st.st_mode)) {
    refusal = "not a regular file or a character device";
  } else if (st.st_uid != ::geteuid()) {
    refusal = "it belongs to another user";
  } else if (st.st_nlink != 1) {
    refusal = "it has other hard links";
  } else if ((st.st_mode & 077) != 0) {
    // Not repaired: someone who opened it while it was readable would keep reading.
    refusal = "it is open to other users (group/other permission bits); remove it or chmod 600 it";
  }
  if (refusal != nullptr) {
    ::close(fd);
    error = "refusing " + file + ": " + refusal;
    return -1;
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
