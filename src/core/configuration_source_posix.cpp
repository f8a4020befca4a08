// configuration_source_posix.cpp - the configuration outside Windows (core/configuration_source.h,
// docs/operations.md#linux): the environment, and the file OPENSSLP_CONFIG names.
//
// The file holds "Name = value" lines with the registry's value names (CipherSuites, Groups, ...),
// '#' comments and blank lines. It must be a regular file that belongs to root or to the process's
// own user and that nobody else can write (group/other write bits refused, as sshd's StrictModes
// does for its files): it can switch on the key log, so whoever can write it can read every
// secret the process negotiates. A variable in the environment overrides the file's line for the
// same setting. Environment variables are read with secure_getenv: a set-user-ID program ignores
// its caller's environment here.
#if !defined(_WIN32)
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "core/configuration_source.h"

namespace opensslp::config::source {
namespace {

// A file larger than this is not a configuration file.
constexpr off_t kMaxFileBytes = 64 * 1024;

const char* GetEnvironment(const char* name) {
#if defined(__GLIBC__)
  return ::secure_getenv(name);
#else
  return std::getenv(name);
#endif
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// Reads and checks the file; its lines become values, its faults problems.
void ReadFile(const std::string& path, RawConfiguration& raw) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    raw.problems.push_back("cannot open the configuration file " + path + " (" + kConfigFileEnvironment +
                           "): " + std::strerror(errno));
    return;
  }
  struct stat st {};
  std::string refusal;
  if (::fstat(fd, &st) != 0) {
    refusal = "cannot stat it";
  } else if (!S_ISREG(st.st_mode)) {
    refusal = "it is not a regular file";
  } else if (st.st_uid != 0 && st.st_uid != ::geteuid()) {
    refusal = "it belongs to another user than root or this process's user";
  } else if ((st.st_mode & 022) != 0) {
    refusal = "others can write it (group/other write permission): chmod go-w it";
  } else if (st.st_size > kMaxFileBytes) {
    refusal = "it is larger than 64 KiB";
  }
  std::string text;
  if (refusal.empty()) {
    text.resize(static_cast<std::size_t>(st.st_size));
    std::size_t got = 0;
    while (got < text.size()) {
      const ssize_t n = ::read(fd, text.data() + got, text.size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      got += static_cast<std::size_t>(n);
    }
    if (got != text.size()) refusal = "it could not be read whole";
  }
  ::close(fd);
  if (!refusal.empty()) {
    raw.problems.push_back("refusing the configuration file " + path + ": " + refusal);
    return;
  }
  std::string_view rest = text;
  for (int line_number = 1; !rest.empty(); ++line_number) {
    const std::size_t end = rest.find('\n');
    std::string_view line = Trim(rest.substr(0, end));
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    if (line.empty() || line.front() == '#') continue;
    const std::string where = "file " + path + " line " + std::to_string(line_number);
    const std::size_t equals = line.find('=');
    if (equals == std::string_view::npos) {
      raw.problems.push_back(where + ": expected \"Name = value\", found \"" + std::string(line) + "\"");
      continue;
    }
    raw.values.push_back(
        {std::string(Trim(line.substr(0, equals))), std::string(Trim(line.substr(equals + 1))), where});
  }
}

}  // namespace

RawConfiguration Read() {
  RawConfiguration raw;
  raw.origin = "environment";
  if (const char* path = GetEnvironment(kConfigFileEnvironment); path != nullptr && *path != '\0') {
    raw.origin = std::string("file ") + path + " (" + kConfigFileEnvironment + ") and the environment";
    ReadFile(path, raw);
  }
  // The environment after the file: Validate takes the last value of a setting, and a setting
  // given twice in the file itself is a problem it reports.
  for (const SettingName& setting : kSettings) {
    const std::string variable(setting.environment);
    if (const char* value = GetEnvironment(variable.c_str()); value != nullptr) {
      raw.values.push_back({std::string(setting.name), value, "environment " + variable});
    }
  }
  return raw;
}

std::uint64_t ChangeStamp() noexcept {
  const char* path = GetEnvironment(kConfigFileEnvironment);
  if (path == nullptr || *path == '\0') return 0;
  struct stat st {};
  if (::stat(path, &st) != 0) return 1;  // gone (or unreadable): differs from any file's stamp
  // FNV-1a over the identity and the last change: any rewrite, replacement or touch moves it.
  std::uint64_t stamp = 1469598103934665603ull;
  for (const std::uint64_t part :
       {static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino),
        static_cast<std::uint64_t>(st.st_size), static_cast<std::uint64_t>(st.st_mtim.tv_sec),
        static_cast<std::uint64_t>(st.st_mtim.tv_nsec), static_cast<std::uint64_t>(st.st_ctim.tv_sec),
        static_cast<std::uint64_t>(st.st_ctim.tv_nsec)}) {
    stamp = (stamp ^ part) * 1099511628211ull;
  }
  return stamp < 2 ? stamp + 2 : stamp;
}

void AnnounceProblems(const std::string&, const std::vector<std::string>&) noexcept {}

}  // namespace opensslp::config::source
#endif
