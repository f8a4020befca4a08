// configuration_test.cpp - the administrator's configuration (core/configuration.h,
// docs/operations.md): every bad value gets its own message and nothing of a bad read is applied;
// the enumerations follow what is applied; SslChangeNotify and the change signal (the registry
// key's / the file's last write) re-read it; the key log follows a re-read. Expected lists are
// written out here from the catalog's published names (IANA registry, docs/cipher-suites.md).
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "config_scope.h"
#include "core/configuration.h"
#include "key_log_scope.h"
#include "opensslp/opensslp.h"
#include "sslprovider.h"
#include "support/wide.h"

#if !defined(_WIN32)
#include <sys/stat.h>
#endif

namespace opensslp {
namespace {

using test::ConfigScope;

config::RawConfiguration Raw(std::vector<config::RawValue> values) {
  config::RawConfiguration raw;
  raw.origin = "test";
  raw.values = std::move(values);
  return raw;
}

// Validates and returns the problems (empty: valid).
std::vector<std::string> Problems(std::vector<config::RawValue> values) {
  std::vector<std::string> problems;
  const auto c = config::Validate(Raw(std::move(values)), problems);
  EXPECT_EQ(c.has_value(), problems.empty());
  return problems;
}

std::string Joined(const std::vector<std::string>& lines) {
  std::string all;
  for (const auto& l : lines) all += l + "\n";
  return all;
}

TEST(ConfigurationValidate, NothingSetIsTheBuiltInDefaults) {
  std::vector<std::string> problems;
  const auto c = config::Validate(Raw({}), problems);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->min_version, ProtocolVersion::kTls10);
  EXPECT_EQ(c->max_version, ProtocolVersion::kTls13);
  for (bool enabled : c->suite_enabled) EXPECT_TRUE(enabled);
  for (std::uint16_t id : {23, 24, 25, 29, 30}) EXPECT_TRUE(c->OffersGroup(id)) << id;
  for (std::uint16_t id : {256, 257}) EXPECT_FALSE(c->OffersGroup(id)) << id;
  EXPECT_EQ(c->trace.level, trace::Level::kOff);
  EXPECT_TRUE(c->key_log.file.empty());
}

TEST(ConfigurationValidate, AcceptsNamesIdsAndVersionSpellings) {
  std::vector<std::string> problems;
  const auto c = config::Validate(
      Raw({{"ciphersuites", "tls_aes_128_gcm_sha256, 0xC02F;TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "t1"},
           {"Groups", "X25519,nistP384 29", "t2"},
           {"MinimumVersion", "TLSv1.2", "t3"},
           {"MaximumVersion", "tls 1.3", "t4"},
           {"Trace", "2", "t5"},
           {"TraceFile", "/tmp/x", "t6"}}),
      problems);
  ASSERT_TRUE(c.has_value()) << Joined(problems);
  std::vector<std::string> enabled;
  for (std::size_t i = 0; i < kCipherSuites.size(); ++i)
    if (c->suite_enabled[i]) enabled.push_back(std::string(kCipherSuites[i].name));
  EXPECT_EQ(enabled, (std::vector<std::string>{"TLS_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                                               "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"}));
  EXPECT_TRUE(c->OffersGroup(29));
  EXPECT_TRUE(c->OffersGroup(24));
  EXPECT_FALSE(c->OffersGroup(23));
  EXPECT_EQ(c->min_version, ProtocolVersion::kTls12);
  EXPECT_EQ(c->max_version, ProtocolVersion::kTls13);
  EXPECT_EQ(c->trace.level, trace::Level::kVerbose);
  EXPECT_EQ(c->trace.source, "t5");
  EXPECT_EQ(c->sources[0], "t1");
}

TEST(ConfigurationValidate, EveryBadValueHasItsOwnMessage) {
  const auto problems = Problems({{"CipherSuites", "TLS_AES_128_GCM_SHA256,TLS_RSA_WITH_RC4_128_SHA", "env A"},
                                  {"Groups", "x25519,brainpoolP256r1,ffdhe2048", "env B"},
                                  {"MinimumVersion", "SSL3", "env C"},
                                  {"Trace", "loud", "env D"},
                                  {"CipherSuit", "all", "env E"}});
  const std::string all = Joined(problems);
  ASSERT_EQ(problems.size(), 6u) << all;
  EXPECT_NE(all.find("unknown cipher suite \"TLS_RSA_WITH_RC4_128_SHA\" in CipherSuites (env A)"), std::string::npos)
      << all;
  EXPECT_NE(all.find("unknown group \"brainpoolP256r1\" in Groups (env B)"), std::string::npos) << all;
  EXPECT_NE(all.find("\"ffdhe2048\" in Groups (env B) is a finite-field group"), std::string::npos) << all;
  EXPECT_NE(all.find("unknown protocol version \"SSL3\" in MinimumVersion (env C)"), std::string::npos) << all;
  EXPECT_NE(all.find("unknown trace level \"loud\" in Trace (env D)"), std::string::npos) << all;
  EXPECT_NE(all.find("unknown setting \"CipherSuit\" (env E)"), std::string::npos) << all;
}

TEST(ConfigurationValidate, AnEmptyVersionRangeIsRefused) {
  const auto problems = Problems({{"MinimumVersion", "TLS1.3", "a"}, {"MaximumVersion", "TLS1.2", "b"}});
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0],
            "the protocol version range is empty: MinimumVersion TLS 1.3 (a) is above MaximumVersion TLS 1.2 (b)");
}

TEST(ConfigurationValidate, SuitesThatCannotBeNegotiatedInTheRangeAreRefused) {
  const auto problems = Problems({{"CipherSuites", "TLS_AES_256_GCM_SHA384", "a"}, {"MaximumVersion", "TLS1.2", "b"}});
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("no enabled cipher suite is valid for TLS 1.0 to TLS 1.2"), std::string::npos)
      << problems[0];
}

TEST(ConfigurationValidate, EmptyListsTraceWithoutFileAndDuplicatesAreRefused) {
  EXPECT_EQ(Problems({{"CipherSuites", " , ", "a"}}).size(), 1u);
  EXPECT_EQ(Problems({{"Groups", "", "a"}}).size(), 1u);
  const auto trace = Problems({{"Trace", "failures", "a"}});
  ASSERT_EQ(trace.size(), 1u);
  EXPECT_EQ(trace[0], "Trace is on (a) but TraceFile does not name a file");
  const auto twice = Problems({{"Groups", "x25519", "file f line 1"}, {"Groups", "x448", "file f line 2"}});
  ASSERT_EQ(twice.size(), 1u);
  EXPECT_EQ(twice[0], "Groups is set twice (file f line 1, file f line 2)");
  // The environment over the file is not a duplicate: the later one wins.
  std::vector<std::string> problems;
  const auto c = config::Validate(
      Raw({{"Groups", "x25519", "file f line 1"}, {"Groups", "x448", "environment OPENSSLP_GROUPS"}}), problems);
  ASSERT_TRUE(c.has_value()) << Joined(problems);
  EXPECT_TRUE(c->OffersGroup(30));
  EXPECT_FALSE(c->OffersGroup(29));
  EXPECT_EQ(c->sources[1], "environment OPENSSLP_GROUPS");
}

// ---- Through the exports ----------------------------------------------------------------------

struct Provider {
  NCRYPT_PROV_HANDLE handle = 0;
  Provider() { EXPECT_EQ(SslOpenProvider(&handle, OPENSSLP_PROVIDER_NAME, 0), 0); }
  ~Provider() { SslFreeObject(handle, 0); }
};

// "PROTOCOL NAME" for every entry SslEnumCipherSuites gives.
std::vector<std::string> EnumeratedSuites() {
  Provider provider;
  std::vector<std::string> entries;
  void* state = nullptr;
  NCRYPT_SSL_CIPHER_SUITE* suite = nullptr;
  SECURITY_STATUS rc;
  while ((rc = SslEnumCipherSuites(provider.handle, 0, &suite, &state, 0)) == 0) {
    entries.push_back(std::to_string(suite->dwProtocol) + " " + ToAscii(suite->szCipherSuite));
    SslFreeBuffer(suite);
  }
  EXPECT_EQ(rc, NTE_NO_MORE_ITEMS);
  if (state != nullptr) SslFreeBuffer(state);
  return entries;
}

std::vector<DWORD> EnumeratedCurves() {
  Provider provider;
  DWORD count = 0;
  NCRYPT_SSL_ECC_CURVE* curves = nullptr;
  EXPECT_EQ(SslEnumEccCurves(provider.handle, &count, &curves, 0), 0);
  std::vector<DWORD> ids;
  for (DWORD i = 0; i < count; ++i) ids.push_back(curves[i].dwCurveType);
  if (curves != nullptr) SslFreeBuffer(curves);
  return ids;
}

std::string ProviderProperty(LPCWSTR name) {
  Provider provider;
  PBYTE out = nullptr;
  DWORD len = 0;
  if (SslGetProviderProperty(provider.handle, name, &out, &len, nullptr, 0) != 0) {
    return "(failed)";
  }
  std::string text = ToAscii(reinterpret_cast<const WCHAR*>(out));
  SslFreeBuffer(out);
  return text;
}

TEST(Configuration, EnumerationsOfferOnlyWhatIsEnabled) {
  ConfigScope scope({{"CipherSuites",
                      "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_AES_256_GCM_SHA384,"
                      "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"},
                     {"Groups", "secp384r1,x25519"},
                     {"MinimumVersion", "TLS1.1"}});
  // Catalog preference order, newest version first within a suite (docs/cipher-suites.md).
  EXPECT_EQ(EnumeratedSuites(),
            (std::vector<std::string>{"772 TLS_AES_256_GCM_SHA384", "771 TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                                      "771 TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
                                      "770 TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"}));
  EXPECT_EQ(EnumeratedCurves(), (std::vector<DWORD>{29, 24}));
  const std::string described = ProviderProperty(OPENSSLP_PROPERTY_CONFIGURATION);
  EXPECT_NE(described.find("Groups: x25519,secp384r1 ("), std::string::npos) << described;
  EXPECT_NE(described.find("MinimumVersion: TLS 1.1 ("), std::string::npos) << described;
  EXPECT_NE(described.find("MaximumVersion: TLS 1.3 (built-in default)"), std::string::npos) << described;
  EXPECT_EQ(ProviderProperty(OPENSSLP_PROPERTY_CONFIGURATION_PROBLEMS), "");
}

TEST(Configuration, WithoutSettingsEverythingIsOffered) {
  ConfigScope scope;
  EXPECT_EQ(EnumeratedSuites().size(), 50u);  // as tests/abi/suites_exports_test.cpp counts them
  EXPECT_EQ(EnumeratedCurves(), (std::vector<DWORD>{29, 23, 24, 25, 30}));
}

TEST(Configuration, ABadConfigurationIsNotAppliedAtAll) {
  ConfigScope scope({{"CipherSuites", "TLS_AES_128_GCM_SHA256,TLS_NO_SUCH_SUITE"}, {"Groups", "x25519"}});
  // The first read is refused: the built-in defaults, not half of it.
  EXPECT_EQ(EnumeratedSuites().size(), 50u);
  EXPECT_EQ(EnumeratedCurves().size(), 5u);
  const std::string problems = ProviderProperty(OPENSSLP_PROPERTY_CONFIGURATION_PROBLEMS);
  EXPECT_NE(problems.find("unknown cipher suite \"TLS_NO_SUCH_SUITE\""), std::string::npos) << problems;
  EXPECT_EQ(SslChangeNotify(nullptr, OPENSSLP_CHANGE_NOTIFY_RELOAD_CONFIGURATION), NTE_BAD_DATA);
  // Fixed: the reload applies it.
  ConfigScope::Write({{"CipherSuites", "TLS_AES_128_GCM_SHA256"}, {"Groups", "x25519"}});
  EXPECT_EQ(SslChangeNotify(nullptr, OPENSSLP_CHANGE_NOTIFY_RELOAD_CONFIGURATION), 0);
  EXPECT_EQ(EnumeratedSuites(), (std::vector<std::string>{"772 TLS_AES_128_GCM_SHA256"}));
  EXPECT_EQ(ProviderProperty(OPENSSLP_PROPERTY_CONFIGURATION_PROBLEMS), "");
  // Broken again: the configuration in force stays.
  ConfigScope::Write(
      {{"CipherSuites", "TLS_AES_128_GCM_SHA256"}, {"MinimumVersion", "TLS1.3"}, {"MaximumVersion", "TLS1.0"}});
  EXPECT_EQ(SslChangeNotify(nullptr, OPENSSLP_CHANGE_NOTIFY_RELOAD_CONFIGURATION), NTE_BAD_DATA);
  EXPECT_EQ(EnumeratedSuites(), (std::vector<std::string>{"772 TLS_AES_128_GCM_SHA256"}));
  EXPECT_EQ(EnumeratedCurves(), (std::vector<DWORD>{29}));
  EXPECT_NE(ProviderProperty(OPENSSLP_PROPERTY_CONFIGURATION_PROBLEMS).find("the protocol version range is empty"),
            std::string::npos);
}

TEST(Configuration, SslChangeNotifyKeepsItsDocumentedAnswerForEverythingElse) {
  ConfigScope scope;
  int event = 0;
  EXPECT_EQ(SslChangeNotify(nullptr, 0), NTE_NOT_SUPPORTED);
  EXPECT_EQ(SslChangeNotify(&event, 0), NTE_NOT_SUPPORTED);
  EXPECT_EQ(SslChangeNotify(nullptr, OPENSSLP_CHANGE_NOTIFY_RELOAD_CONFIGURATION | 1u << 31), NTE_NOT_SUPPORTED);
  EXPECT_EQ(SslChangeNotify(&event, OPENSSLP_CHANGE_NOTIFY_RELOAD_CONFIGURATION), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslChangeNotify(nullptr, OPENSSLP_CHANGE_NOTIFY_RELOAD_CONFIGURATION), 0);
}

// The change signal: the administrator edits the registry value (Windows) or the file (elsewhere)
// while the provider runs; the next SslOpenProvider at least a second later reads it again.
TEST(Configuration, AChangeIsPickedUpWithoutAReloadCall) {
#if defined(_WIN32)
  ConfigScope scope(std::map<std::string, std::string>{{"Groups", "x25519"}});
  EXPECT_EQ(EnumeratedCurves(), (std::vector<DWORD>{29}));
  ConfigScope::Write({{"Groups", "secp521r1"}});
#else
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("opensslp-config-" + std::to_string(reinterpret_cast<std::uintptr_t>(this)) + ".conf"))
                               .string();
  { std::ofstream(path) << "# test\nGroups = x25519\n"; }
  ::chmod(path.c_str(), 0600);
  test::ScopedEnv file_env(OPENSSLP_CONFIG_ENV, path);
  ConfigScope scope;
  EXPECT_EQ(EnumeratedCurves(), (std::vector<DWORD>{29}));
  { std::ofstream(path) << "# test\nGroups = secp521r1\n"; }
#endif
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_EQ(EnumeratedCurves(), (std::vector<DWORD>{25}));
#if !defined(_WIN32)
  std::filesystem::remove(path);
#endif
}

#if !defined(_WIN32)
TEST(Configuration, TheFileIsCheckedAndTheEnvironmentOverridesIt) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("opensslp-config-f-" + std::to_string(reinterpret_cast<std::uintptr_t>(this)) + ".conf"))
                               .string();
  { std::ofstream(path) << "Groups = x448\n  MaximumVersion=TLS1.2 \n\n# CipherSuites = none\n"; }
  ::chmod(path.c_str(), 0600);
  test::ScopedEnv file_env(OPENSSLP_CONFIG_ENV, path);
  {
    ConfigScope scope(std::map<std::string, std::string>{{"MaximumVersion", "TLS1.3"}});
    EXPECT_EQ(EnumeratedCurves(), (std::vector<DWORD>{30}));
    const std::string described = ProviderProperty(OPENSSLP_PROPERTY_CONFIGURATION);
    EXPECT_NE(described.find("Groups: x448 (file " + path + " line 1)"), std::string::npos) << described;
    EXPECT_NE(described.find("MaximumVersion: TLS 1.3 (environment OPENSSLP_MAX_VERSION)"), std::string::npos)
        << described;
  }
  ::chmod(path.c_str(), 0622);  // writable by others: whoever could write it could switch the key log on
  {
    ConfigScope scope;
    EXPECT_EQ(EnumeratedCurves().size(), 5u);
    const std::string problems = ProviderProperty(OPENSSLP_PROPERTY_CONFIGURATION_PROBLEMS);
    EXPECT_NE(problems.find("refusing the configuration file " + path + ": others can write it"), std::string::npos)
        << problems;
  }
  ::chmod(path.c_str(), 0600);
  { std::ofstream(path) << "Groups x448\n"; }
  {
    ConfigScope scope;
    const std::string problems = ProviderProperty(OPENSSLP_PROPERTY_CONFIGURATION_PROBLEMS);
    EXPECT_NE(problems.find("file " + path + " line 1: expected \"Name = value\""), std::string::npos) << problems;
  }
  std::filesystem::remove(path);
}
#endif

// The key log follows a re-read: switched on, moved to another file, switched off.
TEST(Configuration, TheKeyLogFollowsAReload) {
  test::TempFile first, second;
  ConfigScope scope;
  Provider provider;
  auto key_log_state = [] { return ProviderProperty(OPENSSLP_PROPERTY_KEY_LOG); };
  EXPECT_EQ(key_log_state(), "off");
  ConfigScope::Write({{"KeyLogFile", first.path()}});
  ASSERT_EQ(SslChangeNotify(nullptr, OPENSSLP_CHANGE_NOTIFY_RELOAD_CONFIGURATION), 0);
  EXPECT_EQ(key_log_state().rfind("on: " + first.path() + " (", 0), 0u) << key_log_state();
  ConfigScope::Write({{"KeyLogFile", second.path()}, {"Groups", "x25519"}});
  ASSERT_EQ(SslChangeNotify(nullptr, OPENSSLP_CHANGE_NOTIFY_RELOAD_CONFIGURATION), 0);
  EXPECT_EQ(key_log_state().rfind("on: " + second.path() + " (", 0), 0u) << key_log_state();
  ConfigScope::Write({});
  ASSERT_EQ(SslChangeNotify(nullptr, OPENSSLP_CHANGE_NOTIFY_RELOAD_CONFIGURATION), 0);
  EXPECT_EQ(key_log_state(), "off");
}

// The trace is switched on through the configuration, and its property says where it writes.
TEST(Configuration, TheTraceIsSwitchedOnThroughIt) {
  test::TempFile file;
  ConfigScope scope({{"Trace", "failures"}, {"TraceFile", file.path()}});
  EXPECT_EQ(SslFreeObject(0, 0), NTE_INVALID_HANDLE);  // one failing call: one line
  const std::string state = ProviderProperty(OPENSSLP_PROPERTY_TRACE);
  EXPECT_EQ(state.rfind("failures: " + file.path() + " (", 0), 0u) << state;
  // (The count is the process's: other tests of this executable traced before.)
  EXPECT_NE(state.find(" lines written, 0 lost"), std::string::npos) << state;
  const std::vector<std::string> lines = test::ReadLines(file.path());
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find(" SslFreeObject(null) -> 0x80090026 NTE_INVALID_HANDLE [invalid handle] "), std::string::npos)
      << lines[0];
  ConfigScope::Write({});
  ASSERT_EQ(SslChangeNotify(nullptr, OPENSSLP_CHANGE_NOTIFY_RELOAD_CONFIGURATION), 0);
  EXPECT_EQ(ProviderProperty(OPENSSLP_PROPERTY_TRACE), "off");
}

}  // namespace
}  // namespace opensslp
