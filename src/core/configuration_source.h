// configuration_source.h - the platform half of the configuration (core/configuration.h): where
// the administrator's values are read from and how a change is noticed. POSIX:
// core/configuration_source_posix.cpp (environment + OPENSSLP_CONFIG file); Windows:
// win/configuration_source.cpp (HKLM\SOFTWARE\OpenSSLP).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/configuration.h"

namespace opensslp::config::source {

// Reads every value. Never throws anything but std::bad_alloc; a value that cannot be read is a
// problem in the result, not an exception.
RawConfiguration Read();

// A stamp of what Read() reads that changes when the administrator changes it: POSIX, the
// configuration file's identity, size and modification time (0 without a file; the environment
// of a running process is its own and is re-read only by SslChangeNotify); Windows, the key's
// last-write time (0 while the key does not exist). Cheap: one stat() / RegQueryInfoKey.
std::uint64_t ChangeStamp() noexcept;

// Tells the administrator that a configuration was refused (Windows: an Application event-log
// warning, event 1001; POSIX: nothing beyond `opensslp status`, the environment being the
// process's own). Called outside any lock.
void AnnounceProblems(const std::string& origin, const std::vector<std::string>& problems) noexcept;

}  // namespace opensslp::config::source
