// configuration.h - the administrator's choices, from one place per platform (docs/operations.md):
// which cipher suites and elliptic-curve groups are enabled (a subset of the catalog), the
// minimum and maximum protocol version, the key log (core/key_log.h) and the per-call trace
// (core/trace.h).
//
// Where they come from (core/configuration_source.h):
//   Windows  the values under HKEY_LOCAL_MACHINE\SOFTWARE\OpenSSLP (administrators only), read in
//            the 64-bit view by the 32-bit DLL too;
//   elsewhere the environment (OPENSSLP_CIPHER_SUITES, ...) and, if OPENSSLP_CONFIG names one, a
//            file with the same settings under the registry's names; a variable overrides the
//            file's line.
// They are read at the first call that needs them, and read again when SslChangeNotify is called
// with OPENSSLP_CHANGE_NOTIFY_RELOAD_CONFIGURATION, or when the registry key / the file changed
// (checked at most once a second, at SslOpenProvider and at the start of an enumeration).
//
// Every value is validated. A read with any problem -- an unknown setting, an unknown suite or
// group name, an empty version range, nothing left to offer -- is not applied at all: the
// configuration in force stays (at the first read: the built-in defaults, every suite, group and
// version), and the problems are kept for `opensslp status`, SslGetProviderProperty
// ("Configuration") and, on Windows, an event-log warning. Applying half of what an administrator
// wrote would be a configuration nobody chose.
//
// The enumerations (SslEnumCipherSuites(Ex), SslEnumEccCurves) follow the configuration; the
// derivation functions do not consult it: a caller such as Schannel negotiates only what the
// enumerations offered, and refusing a suite in the middle of a connection negotiated under an
// older configuration would break it, not protect it.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/groups.h"
#include "base/protocol_version.h"
#include "core/cipher_suites.h"
#include "core/trace.h"

namespace opensslp::config {

// The settings' names: registry value names on Windows, keys of the configuration file, and the
// suffix of the environment variables (OPENSSLP_ + upper-case with '_': kEnvironmentNames).
inline constexpr std::string_view kSettingCipherSuites = "CipherSuites";
inline constexpr std::string_view kSettingGroups = "Groups";
inline constexpr std::string_view kSettingMinimumVersion = "MinimumVersion";
inline constexpr std::string_view kSettingMaximumVersion = "MaximumVersion";
inline constexpr std::string_view kSettingKeyLogFile = "KeyLogFile";
inline constexpr std::string_view kSettingTrace = "Trace";
inline constexpr std::string_view kSettingTraceFile = "TraceFile";

struct SettingName {
  std::string_view name;         // registry value / file key
  std::string_view environment;  // environment variable (non-Windows)
};
inline constexpr std::array<SettingName, 7> kSettings = {{
    {kSettingCipherSuites, "OPENSSLP_CIPHER_SUITES"},
    {kSettingGroups, "OPENSSLP_GROUPS"},
    {kSettingMinimumVersion, "OPENSSLP_MIN_VERSION"},
    {kSettingMaximumVersion, "OPENSSLP_MAX_VERSION"},
    {kSettingKeyLogFile, "OPENSSLP_KEYLOGFILE"},  // the name libssl's SSLKEYLOGFILE users expect
    {kSettingTrace, "OPENSSLP_TRACE"},
    {kSettingTraceFile, "OPENSSLP_TRACE_FILE"},
}};

// The environment variable naming the configuration file (non-Windows).
inline constexpr const char* kConfigFileEnvironment = "OPENSSLP_CONFIG";

// One value as the platform source found it.
struct RawValue {
  std::string name;   // as written (matched case-insensitively against kSettings)
  std::string value;  // UTF-8; a REG_MULTI_SZ's strings joined with ','; a REG_DWORD in decimal
  std::string where;  // e.g. "environment OPENSSLP_GROUPS", "file /etc/opensslp.conf line 3",
                      // "registry HKLM\SOFTWARE\OpenSSLP Groups"
};

// Everything one read of the platform source produced.
struct RawConfiguration {
  std::string origin;  // e.g. "registry HKLM\SOFTWARE\OpenSSLP", "environment"
  std::vector<RawValue> values;
  std::vector<std::string> problems;  // the source's own (unreadable file, wrong registry type)
};

struct KeyLogSetting {
  std::string file;    // UTF-8 path; empty: off
  std::string source;  // where it was set
};

// A validated configuration.
struct Configuration {
  std::array<bool, ::opensslp::kCipherSuites.size()> suite_enabled{};  // by index into kCipherSuites
  std::array<bool, ::opensslp::kGroups.size()> group_enabled{};        // by index into kGroups (EC groups only)
  ProtocolVersion min_version = ProtocolVersion::kTls10;
  ProtocolVersion max_version = ProtocolVersion::kTls13;
  KeyLogSetting key_log;
  trace::Setting trace;
  // Where each setting in force came from, in kSettings order ("built-in default" when unset).
  std::array<std::string, kSettings.size()> sources;

  bool Offers(const CipherSuite& suite, ProtocolVersion version) const noexcept;
  bool OffersGroup(std::uint16_t iana_id) const noexcept;
};

// The built-in defaults: every suite, every EC group, TLS 1.0-1.3, no key log, no trace.
Configuration Defaults();

// Validates a raw read. Returns the configuration, or nullopt with every problem in `problems`
// (each a full sentence naming the setting, the value and where it came from).
std::optional<Configuration> Validate(const RawConfiguration& raw, std::vector<std::string>& problems);

// The configuration in force and what the last read said.
struct Snapshot {
  std::shared_ptr<const Configuration> configuration;  // never null
  std::uint64_t generation = 0;                        // 1 after the first read; +1 at every read that was applied
  std::string origin;                                  // where the configuration in force was read
  std::vector<std::string> problems;                   // problems of the LAST read (empty: it was applied)
  std::string last_origin;                             // where the last read looked
};

// Reads the configuration if nothing has yet: the boundary calls it on every entry
// (abi/boundary.h), so that the trace it may switch on covers the process's very first call. After
// the first read: one atomic load. Never fails a caller (out of memory: tried again next call).
void EnsureLoaded() noexcept;

// The configuration in force (reads it at the first call). Thread-safe; cheap after the first.
std::shared_ptr<const Configuration> Current();
Snapshot CurrentSnapshot();
std::uint64_t Generation();

// Reads the configuration again now. True if it was applied; false if it had problems (the one in
// force stays; CurrentSnapshot().problems lists them). Throws std::bad_alloc.
bool Reload();

// Reloads if the platform's change signal (the registry key's or the file's last write) moved
// since the last read; looks at most once a second. Never fails a caller.
void ReloadIfChanged() noexcept;

// The configuration in force as "Name: value (where it came from)" lines, in kSettings order,
// preceded by "origin: ..." -- for `opensslp status` and SslGetProviderProperty("Configuration").
std::string Describe(const Snapshot& snapshot);

// Tests only: forgets everything; the next Current() reads again.
void ResetForTesting() noexcept;

}  // namespace opensslp::config
