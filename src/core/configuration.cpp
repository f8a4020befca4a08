// configuration.cpp - see configuration.h.
#include "core/configuration.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <new>
#include <utility>

#include "core/configuration_source.h"
#include "util/ascii.h"

namespace opensslp::config {
namespace {

// ---- Parsing ---------------------------------------------------------------------------------

std::vector<std::string_view> SplitList(std::string_view text) {
  std::vector<std::string_view> items;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    const bool separator = i == text.size() || text[i] == ',' || text[i] == ':' || text[i] == ';' || text[i] == ' ' ||
                           text[i] == '\t' || text[i] == '\r' || text[i] == '\n';
    if (!separator) continue;
    if (i > start) items.push_back(text.substr(start, i - start));
    start = i + 1;
  }
  return items;
}

std::string Quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

bool ParseHex16(std::string_view text, std::uint16_t& out) {
  if (text.size() < 3 || text.size() > 6 || text[0] != '0' || (text[1] != 'x' && text[1] != 'X')) return false;
  std::uint32_t value = 0;
  for (char c : text.substr(2)) {
    const char l = AsciiLower(c);
    const int digit = (l >= '0' && l <= '9') ? l - '0' : (l >= 'a' && l <= 'f') ? l - 'a' + 10 : -1;
    if (digit < 0) return false;
    value = value * 16 + static_cast<std::uint32_t>(digit);
  }
  out = static_cast<std::uint16_t>(value);
  return true;
}

bool ParseDecimal(std::string_view text, std::uint32_t& out) {
  if (text.empty() || text.size() > 9) return false;
  std::uint32_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<std::uint32_t>(c - '0');
  }
  out = value;
  return true;
}

bool EqualsAscii(std::u16string_view wide, std::string_view narrow) { return EqualsIgnoringAsciiCase(wide, narrow); }

// "TLS1.2", "TLS 1.2", "TLSv1.2", "TLS1_2", "1.2" (any case).
std::optional<ProtocolVersion> ParseVersion(std::string_view text) {
  std::string folded;
  for (char c : text) {
    if (c == ' ' || c == '-') continue;
    folded += c == '_' ? '.' : AsciiLower(c);
  }
  std::string_view v = folded;
  if (v.substr(0, 3) == "tls") v.remove_prefix(3);
  if (v.substr(0, 1) == "v") v.remove_prefix(1);
  if (v == "1.0") return ProtocolVersion::kTls10;
  if (v == "1.1") return ProtocolVersion::kTls11;
  if (v == "1.2") return ProtocolVersion::kTls12;
  if (v == "1.3") return ProtocolVersion::kTls13;
  return std::nullopt;
}

constexpr int Rank(ProtocolVersion v) { return static_cast<int>(v) - 0x0300; }

constexpr std::size_t IndexOf(std::string_view name) {
  for (std::size_t i = 0; i < kSettings.size(); ++i) {
    if (kSettings[i].name == name) return i;
  }
  return kSettings.size();
}
static_assert(IndexOf(kSettingTraceFile) < kSettings.size());

std::string SettingList() {
  std::string names;
  for (const SettingName& s : kSettings) names += (names.empty() ? "" : ", ") + std::string(s.name);
  return names;
}

void ParseSuites(const RawValue& raw, Configuration& out, std::vector<std::string>& problems) {
  const auto items = SplitList(raw.value);
  if (items.empty()) {
    problems.push_back(std::string(kSettingCipherSuites) + " is empty (" + raw.where +
                       "): name at least one suite, or \"all\", or remove the setting");
    return;
  }
  out.suite_enabled.fill(false);
  for (std::string_view item : items) {
    if (EqualsIgnoringAsciiCase(item, "all")) {
      out.suite_enabled.fill(true);
      continue;
    }
    std::uint16_t id = 0;
    const bool by_id = ParseHex16(item, id);
    bool found = false;
    for (std::size_t i = 0; i < ::opensslp::kCipherSuites.size(); ++i) {
      if (by_id ? ::opensslp::kCipherSuites[i].id == id
                : EqualsIgnoringAsciiCase(::opensslp::kCipherSuites[i].name, item)) {
        out.suite_enabled[i] = true;
        found = true;
      }
    }
    if (!found) {
      problems.push_back("unknown cipher suite " + Quoted(item) + " in " + std::string(kSettingCipherSuites) + " (" +
                         raw.where + "): use the IANA names `opensslp suites` lists, or their 0xNNNN ids");
    }
  }
}

void ParseGroups(const RawValue& raw, Configuration& out, std::vector<std::string>& problems) {
  const auto items = SplitList(raw.value);
  if (items.empty()) {
    problems.push_back(std::string(kSettingGroups) + " is empty (" + raw.where +
                       "): name at least one group, or \"all\", or remove the setting");
    return;
  }
  out.group_enabled.fill(false);
  for (std::string_view item : items) {
    if (EqualsIgnoringAsciiCase(item, "all")) {
      for (std::size_t i = 0; i < ::opensslp::kGroups.size(); ++i)
        out.group_enabled[i] = IsEcGroup(::opensslp::kGroups[i]);
      continue;
    }
    std::uint32_t id = 0;
    const bool by_id = ParseDecimal(item, id);
    const GroupInfo* match = nullptr;
    std::size_t index = 0;
    for (std::size_t i = 0; i < ::opensslp::kGroups.size(); ++i) {
      const GroupInfo& g = ::opensslp::kGroups[i];
      if (by_id ? g.iana_id == id
                : EqualsIgnoringAsciiCase(g.tls_name, item) || EqualsAscii(g.cng_name, item) ||
                      EqualsIgnoringAsciiCase(g.ossl_name, item)) {
        match = &g;
        index = i;
      }
    }
    if (match == nullptr) {
      problems.push_back("unknown group " + Quoted(item) + " in " + std::string(kSettingGroups) + " (" + raw.where +
                         "): use the names `opensslp curves` lists (x25519, secp256r1, secp384r1, secp521r1, x448)");
    } else if (!IsEcGroup(*match)) {
      problems.push_back(Quoted(item) + " in " + std::string(kSettingGroups) + " (" + raw.where +
                         ") is a finite-field group: Groups selects the elliptic curves SslEnumEccCurves reports; "
                         "finite-field DH is switched with the DHE suites in CipherSuites");
    } else {
      out.group_enabled[index] = true;
    }
  }
}

void ParseVersionSetting(const RawValue& raw, ProtocolVersion& out, std::vector<std::string>& problems) {
  if (auto v = ParseVersion(raw.value)) {
    out = *v;
    return;
  }
  problems.push_back("unknown protocol version " + Quoted(raw.value) + " in " + raw.name + " (" + raw.where +
                     "): use TLS1.0, TLS1.1, TLS1.2 or TLS1.3");
}

void ParseTrace(const RawValue& raw, Configuration& out, std::vector<std::string>& problems) {
  const std::string_view v = raw.value;
  if (EqualsIgnoringAsciiCase(v, "off") || v == "0") {
    out.trace.level = trace::Level::kOff;
  } else if (EqualsIgnoringAsciiCase(v, "failures") || v == "1") {
    out.trace.level = trace::Level::kFailures;
  } else if (EqualsIgnoringAsciiCase(v, "verbose") || v == "2") {
    out.trace.level = trace::Level::kVerbose;
  } else {
    problems.push_back("unknown trace level " + Quoted(v) + " in " + std::string(kSettingTrace) + " (" + raw.where +
                       "): use off, failures or verbose (0, 1, 2)");
  }
  out.trace.source = raw.where;
}

// The state: made at the first use and never destroyed (calls may arrive until the process ends).
struct State {
  std::mutex load_mutex;  // serialises reads of the source
  std::mutex mutex;       // guards what follows
  bool loaded = false;
  std::shared_ptr<const Configuration> configuration;
  std::uint64_t generation = 0;
  std::string origin, last_origin;
  std::vector<std::string> problems;
  std::uint64_t stamp = 0;
};

State& TheState() {
  static std::atomic<State*> state{nullptr};
  State* current = state.load(std::memory_order_acquire);
  if (current != nullptr) return *current;
  auto* fresh = new State();  // throws std::bad_alloc: the call fails with NTE_NO_MEMORY
  State* expected = nullptr;
  if (!state.compare_exchange_strong(expected, fresh, std::memory_order_acq_rel)) {
    delete fresh;
    return *expected;
  }
  return *fresh;
}

constinit std::atomic<std::int64_t> g_last_change_check{0};  // steady-clock ms of the last look
constinit std::atomic<bool> g_loaded{false};                 // EnsureLoaded's fast path

// Reads the source and applies what it says if it is valid. Caller holds load_mutex.
bool ReadAndApply(State& state) {
  const std::uint64_t stamp = source::ChangeStamp();  // before the read: a change during it is seen later
  RawConfiguration raw = source::Read();
  std::vector<std::string> problems = std::move(raw.problems);
  std::optional<Configuration> validated = Validate(raw, problems);
  if (!problems.empty()) validated.reset();
  std::shared_ptr<const Configuration> fresh;
  if (validated) fresh = std::make_shared<const Configuration>(std::move(*validated));
  std::optional<trace::Setting> trace_setting;
  {
    std::lock_guard<std::mutex> lock(state.mutex);
    state.stamp = stamp;
    state.last_origin = raw.origin;
    state.problems = problems;
    if (fresh) {
      if (!state.configuration || !(state.configuration->trace.level == fresh->trace.level &&
                                    state.configuration->trace.file == fresh->trace.file)) {
        trace_setting = fresh->trace;
      }
      state.configuration = fresh;
      state.origin = raw.origin;
      ++state.generation;
    } else if (!state.configuration) {
      state.configuration = std::make_shared<const Configuration>(Defaults());
      trace_setting = state.configuration->trace;
      state.origin = "built-in defaults (the configuration read was refused)";
      ++state.generation;
    }
    state.loaded = true;
  }
  g_loaded.store(true, std::memory_order_release);
  // Outside the state's lock: opening a trace file or writing an event may take long.
  if (trace_setting) trace::Configure(*trace_setting);
  if (!problems.empty()) source::AnnounceProblems(raw.origin, problems);
  return fresh != nullptr;
}

void LoadOnce(State& state) {
  {
    std::lock_guard<std::mutex> lock(state.mutex);
    if (state.loaded) return;
  }
  std::lock_guard<std::mutex> load(state.load_mutex);
  {
    std::lock_guard<std::mutex> lock(state.mutex);
    if (state.loaded) return;
  }
  (void)ReadAndApply(state);
}

std::int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

bool Configuration::Offers(const CipherSuite& suite, ProtocolVersion version) const noexcept {
  if (Rank(version) < Rank(min_version) || Rank(version) > Rank(max_version)) return false;
  const std::size_t index = static_cast<std::size_t>(&suite - ::opensslp::kCipherSuites.data());
  return index < ::opensslp::kCipherSuites.size() && suite_enabled[index];
}

bool Configuration::OffersGroup(std::uint16_t iana_id) const noexcept {
  for (std::size_t i = 0; i < ::opensslp::kGroups.size(); ++i) {
    if (::opensslp::kGroups[i].iana_id == iana_id) return group_enabled[i];
  }
  return false;
}

Configuration Defaults() {
  Configuration c;
  c.suite_enabled.fill(true);
  for (std::size_t i = 0; i < ::opensslp::kGroups.size(); ++i) c.group_enabled[i] = IsEcGroup(::opensslp::kGroups[i]);
  for (std::string& s : c.sources) s = "built-in default";
  return c;
}

std::optional<Configuration> Validate(const RawConfiguration& raw, std::vector<std::string>& problems) {
  Configuration c = Defaults();
  // The value in force for each setting: the last one given. The same setting twice from the
  // same kind of place (two lines of one file, two registry values cannot happen) is a mistake.
  std::array<const RawValue*, kSettings.size()> chosen{};
  for (const RawValue& value : raw.values) {
    std::size_t index = kSettings.size();
    for (std::size_t i = 0; i < kSettings.size(); ++i) {
      if (EqualsIgnoringAsciiCase(value.name, kSettings[i].name)) index = i;
    }
    if (index == kSettings.size()) {
      problems.push_back("unknown setting " + Quoted(value.name) + " (" + value.where + "); the settings are " +
                         SettingList());
      continue;
    }
    if (chosen[index] != nullptr && chosen[index]->where.substr(0, 5) == value.where.substr(0, 5)) {
      problems.push_back(std::string(kSettings[index].name) + " is set twice (" + chosen[index]->where + ", " +
                         value.where + ")");
    }
    chosen[index] = &value;
  }
  for (std::size_t i = 0; i < kSettings.size(); ++i) {
    const RawValue* value = chosen[i];
    if (value == nullptr) continue;
    c.sources[i] = value->where;
    const std::string_view name = kSettings[i].name;
    if (name == kSettingCipherSuites) {
      ParseSuites(*value, c, problems);
    } else if (name == kSettingGroups) {
      ParseGroups(*value, c, problems);
    } else if (name == kSettingMinimumVersion) {
      ParseVersionSetting(*value, c.min_version, problems);
    } else if (name == kSettingMaximumVersion) {
      ParseVersionSetting(*value, c.max_version, problems);
    } else if (name == kSettingKeyLogFile) {
      c.key_log.file = value->value;
      c.key_log.source = value->where;
    } else if (name == kSettingTrace) {
      ParseTrace(*value, c, problems);
    } else if (name == kSettingTraceFile) {
      c.trace.file = value->value;
    }
  }
  if (!problems.empty()) return std::nullopt;

  // Whole-configuration checks, once every value parsed.
  if (Rank(c.min_version) > Rank(c.max_version)) {
    problems.push_back("the protocol version range is empty: " + std::string(kSettingMinimumVersion) + " " +
                       std::string(ProtocolVersionName(c.min_version)) + " (" +
                       c.sources[IndexOf(kSettingMinimumVersion)] + ") is above " +
                       std::string(kSettingMaximumVersion) + " " + std::string(ProtocolVersionName(c.max_version)) +
                       " (" + c.sources[IndexOf(kSettingMaximumVersion)] + ")");
    return std::nullopt;
  }
  bool any_suite = false;
  for (const CipherSuite& s : ::opensslp::kCipherSuites) {
    for (ProtocolVersion v : kProtocolVersionsNewestFirst)
      any_suite = any_suite || (SupportsVersion(s, v) && c.Offers(s, v));
  }
  if (!any_suite) {
    problems.push_back("no enabled cipher suite is valid for " + std::string(ProtocolVersionName(c.min_version)) +
                       " to " + std::string(ProtocolVersionName(c.max_version)) + " (" +
                       std::string(kSettingCipherSuites) + ": " + c.sources[IndexOf(kSettingCipherSuites)] +
                       "): nothing could be negotiated");
  }
  if (c.trace.level != trace::Level::kOff && c.trace.file.empty()) {
    problems.push_back(std::string(kSettingTrace) + " is on (" + c.sources[IndexOf(kSettingTrace)] + ") but " +
                       std::string(kSettingTraceFile) + " does not name a file");
  }
  if (!problems.empty()) return std::nullopt;
  return c;
}

void EnsureLoaded() noexcept {
  if (g_loaded.load(std::memory_order_acquire)) return;
  try {
    LoadOnce(TheState());
  } catch (...) {
    // Out of memory: the call goes on; the next one reads again.
  }
}

std::shared_ptr<const Configuration> Current() {
  State& state = TheState();
  LoadOnce(state);
  std::lock_guard<std::mutex> lock(state.mutex);
  return state.configuration;
}

Snapshot CurrentSnapshot() {
  State& state = TheState();
  LoadOnce(state);
  std::lock_guard<std::mutex> lock(state.mutex);
  return Snapshot{state.configuration, state.generation, state.origin, state.problems, state.last_origin};
}

std::uint64_t Generation() {
  State& state = TheState();
  LoadOnce(state);
  std::lock_guard<std::mutex> lock(state.mutex);
  return state.generation;
}

bool Reload() {
  State& state = TheState();
  std::lock_guard<std::mutex> load(state.load_mutex);
  g_last_change_check.store(NowMs(), std::memory_order_relaxed);
  return ReadAndApply(state);
}

void ReloadIfChanged() noexcept {
  try {
    const std::int64_t now = NowMs();
    std::int64_t last = g_last_change_check.load(std::memory_order_relaxed);
    if (now - last < 1000 && last != 0) return;
    if (!g_last_change_check.compare_exchange_strong(last, now, std::memory_order_relaxed))
      return;  // another thread looks
    State& state = TheState();
    LoadOnce(state);
    std::uint64_t known;
    {
      std::lock_guard<std::mutex> lock(state.mutex);
      known = state.stamp;
    }
    if (source::ChangeStamp() == known) return;
    (void)Reload();
  } catch (...) {
    // Out of memory: the configuration in force stays; the next look tries again.
    g_last_change_check.store(0, std::memory_order_relaxed);
  }
}

std::string Describe(const Snapshot& snapshot) {
  const Configuration& c = *snapshot.configuration;
  std::string text = "origin: " + snapshot.origin + "\n";
  for (std::size_t i = 0; i < kSettings.size(); ++i) {
    const std::string_view name = kSettings[i].name;
    std::string value;
    if (name == kSettingCipherSuites) {
      const bool all = std::find(c.suite_enabled.begin(), c.suite_enabled.end(), false) == c.suite_enabled.end();
      for (std::size_t s = 0; s < ::opensslp::kCipherSuites.size() && !all; ++s) {
        if (c.suite_enabled[s]) value += (value.empty() ? "" : ",") + std::string(::opensslp::kCipherSuites[s].name);
      }
      if (all) value = "all";
    } else if (name == kSettingGroups) {
      for (std::uint16_t id : kEccCurvePreference) {
        if (c.OffersGroup(id)) value += (value.empty() ? "" : ",") + std::string(FindGroup(id)->tls_name);
      }
    } else if (name == kSettingMinimumVersion) {
      value = ProtocolVersionName(c.min_version);
    } else if (name == kSettingMaximumVersion) {
      value = ProtocolVersionName(c.max_version);
    } else if (name == kSettingKeyLogFile) {
      value = c.key_log.file.empty() ? "(none)" : c.key_log.file;
    } else if (name == kSettingTrace) {
      value = trace::LevelName(c.trace.level);
    } else if (name == kSettingTraceFile) {
      value = c.trace.file.empty() ? "(none)" : c.trace.file;
    }
    text += std::string(name) + ": " + value + " (" + c.sources[i] + ")\n";
  }
  return text;
}

void ResetForTesting() noexcept {
  State& state = TheState();
  std::lock_guard<std::mutex> load(state.load_mutex);
  std::lock_guard<std::mutex> lock(state.mutex);
  state.loaded = false;
  state.configuration.reset();
  state.problems.clear();
  state.origin.clear();
  state.last_origin.clear();
  state.stamp = 0;
  g_loaded.store(false, std::memory_order_release);
  // The generation keeps counting: whoever cached the old configuration (the key log) sees a change.
  g_last_change_check.store(0, std::memory_order_relaxed);
}

}  // namespace opensslp::config
