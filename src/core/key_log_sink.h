// key_log_sink.h - the platform half of the key log (core/key_log.h): how its file is opened and
// appended to (its setting comes from the configuration, core/configuration.h). The per-call trace
// (core/trace.h) writes its file through the same functions. POSIX: core/key_log_sink_posix.cpp; Windows:
// win/key_log_sink.cpp.
#pragma once

#include <cstdint>
#include <string>

namespace opensslp::key_log::sink {

// Opens `file` for appending, creating it if needed (POSIX: mode 0600; Windows: an ACL for SYSTEM
// and Administrators only). Returns an opaque handle, or -1 with `error` set.
std::intptr_t OpenForAppend(const std::string& file, std::string& error);

// Appends `size` bytes in one system call (O_APPEND / FILE_APPEND_DATA: atomic per call). False on
// any failure, including a short write.
bool Append(std::intptr_t handle, const char* data, std::size_t size) noexcept;

void Close(std::intptr_t handle) noexcept;

// Tells the administrator, once per process, that secrets are being written (Windows: an event
// log entry; POSIX: nothing beyond `opensslp status`, the environment being the caller's own).
void AnnounceEnabled(const std::string& file) noexcept;

}  // namespace opensslp::key_log::sink
