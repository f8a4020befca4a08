#include "support/env_support.h"

#include <cstdlib>

namespace opensslp::test {

void SetEnv(const char* name, const char* value) {
#if defined(_WIN32)
  _putenv_s(name, value == nullptr ? "" : value);
#else
  if (value == nullptr) {
    unsetenv(name);
  } else {
    setenv(name, value, 1);
  }
#endif
}

std::optional<std::string> GetEnv(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

ScopedEnv::ScopedEnv(const char* name, const std::optional<std::string>& value) : name_(name), old_(GetEnv(name)) {
  SetEnv(name, value ? value->c_str() : nullptr);
}

ScopedEnv::~ScopedEnv() { SetEnv(name_.c_str(), old_ ? old_->c_str() : nullptr); }

}  // namespace opensslp::test
