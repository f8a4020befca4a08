// env_support.h - setting an environment variable for the duration of a test (e.g.
// OPENSSLP_KEY_STORE, which SslOpenPrivateKey reads at every call) and restoring it afterwards.
#pragma once

#include <optional>
#include <string>

namespace opensslp::test {

// Sets `name` to `value`, or removes it when `value` is nullptr. On Windows an empty value
// removes the variable too (_putenv_s semantics).
void SetEnv(const char* name, const char* value);

// The current value of `name`, nullopt if unset.
std::optional<std::string> GetEnv(const char* name);

// Sets (or, with nullopt, removes) a variable and restores its previous state when destroyed.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::optional<std::string>& value);
  ~ScopedEnv();
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};

}  // namespace opensslp::test
