// key_log.h - the opt-in key log: TLS secrets in the NSS key-log format that Wireshark, tshark and
// libssl's SSLKEYLOGFILE users know (docs/key-log.md).
//
// This is the one place where opensslp writes secrets anywhere, on purpose. It is off unless an
// administrator switches it on through the configuration (core/configuration.h, setting
// KeyLogFile): on Linux (and any non-Windows build) the environment variable OPENSSLP_KEYLOGFILE
// or the OPENSSLP_CONFIG file names the file; on Windows the REG_SZ value KeyLogFile under
// HKEY_LOCAL_MACHINE\SOFTWARE\OpenSSLP, a key only administrators can write, and the file is
// created with an ACL for SYSTEM and Administrators only (win/key_log_sink.cpp). The file is
// opened once, at the first secret (or SslOpenProvider) of the process, and again only when a
// re-read configuration names another file; a failure to open or to write never fails a call: the
// secret is simply not logged (State() says why).
//
// Lines (one write per line, so lines from many threads and processes never interleave):
//   CLIENT_RANDOM <client_random> <master_secret>              TLS 1.0-1.2 (RFC 5246 §8.1, RFC 7627)
//   CLIENT_EARLY_TRAFFIC_SECRET <client_random> <secret>       TLS 1.3 (RFC 8446 §7.1)
//   CLIENT_HANDSHAKE_TRAFFIC_SECRET / SERVER_HANDSHAKE_TRAFFIC_SECRET
//   CLIENT_TRAFFIC_SECRET_0 / SERVER_TRAFFIC_SECRET_0
//   EARLY_EXPORTER_SECRET / EXPORTER_SECRET
// hex in lower case. A secret whose client random is unknown is not logged (counted in State()).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/client_random.h"
#include "util/bytes.h"

namespace opensslp::key_log {

// The environment variable that switches the key log on outside Windows.
inline constexpr const char* kEnvironmentVariable = "OPENSSLP_KEYLOGFILE";

struct KeyLogState {
  bool enabled = false;      // a file is open and receives lines
  std::string file;          // the configured file (UTF-8), empty when not configured
  std::string source;        // where the setting came from, e.g. "environment OPENSSLP_KEYLOGFILE"
  std::string error;         // why a configured file is not open, empty otherwise
  std::uint64_t lines = 0;   // lines written by this process
  std::uint64_t unnamed = 0; // secrets not logged because their client random was unknown
  std::uint64_t failed_writes = 0;
};

// True if the key log is on (reads the configuration and opens the file at the first call). The
// derivations ask this first, so a process without a key log does no key-log work.
bool Enabled() noexcept;

// Appends "label client_random secret". Never fails a caller; a no-op when the log is off.
void Write(std::string_view label, const ClientRandom& client_random, Bytes secret) noexcept;

// As Write, when the client random may be unknown (then only counted).
void WriteIfNamed(std::string_view label, const std::optional<ClientRandom>& client_random, Bytes secret) noexcept;

// Extended master secret (RFC 7627): SslGenerateMasterKey / SslImportMasterKey get the session
// hash, and maybe no client random. SslComputeSessionHash, which made that hash from a transcript
// that knows its ClientHello, remembers the pair here (the last 256 pairs; only while the log is on).
void RememberSessionHash(Bytes session_hash, const ClientRandom& client_random) noexcept;
std::optional<ClientRandom> ClientRandomForSessionHash(Bytes session_hash) noexcept;

// For `opensslp status` and SslGetProviderProperty(OPENSSLP_PROPERTY_KEY_LOG).
KeyLogState State();

// Tests only: closes the file and forgets the configuration (config::ResetForTesting); the next
// Enabled() reads it again.
void ResetForTesting() noexcept;

}  // namespace opensslp::key_log
