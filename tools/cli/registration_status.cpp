// registration_status.cpp - see registration_status.h. On Windows the report comes from the
// registration library (registry/src/registration_report.h), the code behind
// `opensslp-register.exe status`; elsewhere there is nothing to register.
#include "registration_status.h"

#if defined(_WIN32)
#include <windows.h>

#include <optional>

#include "registration_report.h"
#include "registry_common.h"
#endif

namespace opensslp::cli {

#if defined(_WIN32)
namespace {

using namespace opensslp::registry;

// The architecture of the processes that load <system directory>\opensslp.dll.
std::string NativeArchitecture() {
  SYSTEM_INFO info{};
  GetNativeSystemInfo(&info);
  switch (info.wProcessorArchitecture) {
    case PROCESSOR_ARCHITECTURE_AMD64: return "x64";
    case PROCESSOR_ARCHITECTURE_INTEL: return "x86";
    case 12: return "arm64";  // PROCESSOR_ARCHITECTURE_ARM64
    default: return "native";
  }
}

std::string Count(std::size_t n) { return std::to_string(n); }

}  // namespace

std::vector<std::pair<std::string, std::string>> RegistrationLines() {
  std::vector<std::pair<std::string, std::string>> lines;
  std::wstring error;
  const std::optional<RegistrationReport> report = ReadRegistrationReport(error);
  if (!report) {
    lines.emplace_back("registration", "(unavailable: reading the CNG configuration: " + Narrow(error) + ")");
    return lines;
  }
  const State& state = report->state;
  const std::string name = Narrow(kProviderName);

  if (state.provider_registered) {
    lines.emplace_back("registered", "yes: " + name + ", UM image " + Narrow(state.image) + ", " +
                                         Count(state.provider_functions.size()) + " suites");
  } else {
    lines.emplace_back("registered", "no: " + name + " is not registered");
  }

  // System32 first (the native processes' copy), then SysWOW64 (the 32-bit processes' copy).
  for (std::size_t i = 0; i < report->dlls.size(); ++i) {
    const DllPresence& dll = report->dlls[i];
    const std::string expected = i == 0 ? NativeArchitecture() : "x86";
    std::string value = Narrow(dll.path) + ": ";
    if (!dll.present) {
      value += "missing";
    } else if (dll.machine.empty()) {
      value += "present (not a PE file)";
    } else {
      const std::string machine = Narrow(dll.machine);
      value += "present (" + machine + (machine == expected ? "" : ", expected " + expected) + ")";
    }
    lines.emplace_back("dll (" + expected + ")", value);
  }

  if (report->suites.empty()) {
    lines.emplace_back("suites routed", "none");
  } else {
    std::size_t not_listed = 0, not_in_order = 0;
    for (const SuiteRoute& route : report->suites) {
      if (route.our_position == 0) ++not_listed;
      if (route.order == 0) ++not_in_order;
    }
    std::string value = Count(report->RoutedToUsCount()) + " of " + Count(report->suites.size()) + " to " + name +
                        " (first in their provider list)";
    if (const std::size_t behind = report->ListedBehindCount(); behind != 0) {
      value += ", " + Count(behind) + " behind another provider";
    }
    if (not_listed != 0) value += ", " + Count(not_listed) + " not listing it";
    if (not_in_order != 0) value += ", " + Count(not_in_order) + " not in the suite order";
    if (state.record) value += "; priority " + Narrow(PriorityName(state.record->priority));
    lines.emplace_back("suites routed", value);
  }

  if (report->policy_suites) {
    std::string value = "an SSL suite order policy overrides the local order (" +
                        Count(report->policy_suites->size()) + " suites)";
    if (!report->not_in_policy.empty()) {
      value += "; it leaves out " + Count(report->not_in_policy.size()) + " of opensslp's suites (not offered)";
    }
    lines.emplace_back("group policy", value);
  } else {
    lines.emplace_back("group policy", "no SSL suite order policy");
  }
  return lines;
}

#else

std::vector<std::pair<std::string, std::string>> RegistrationLines() {
  return {{"registration", "not applicable (Windows only)"}};
}

#endif

}  // namespace opensslp::cli
