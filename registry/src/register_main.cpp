// opensslp-register.exe - registers opensslp with Windows' CNG configuration, routes the suites it
// implements to it, shows what is registered, and removes exactly what it added
// (registry/README.md, docs/windows.md).
//
//   opensslp-register.exe install   [--suites all|NAME[,NAME...]] [--priority top|bottom] [--dry-run]
//                                   [--wine-direct-registry] [--wine-no-wow64]
//   opensslp-register.exe uninstall [--dry-run] [--wine-direct-registry] [--wine-no-wow64]
//   opensslp-register.exe status    [--wine-direct-registry] [--wine-no-wow64]
//
// Exit status: 0 done; 1 a step failed; 2 usage; 3 refused (not elevated, LSA protection without
// a Microsoft signature, a self-test failed, Wine without --wine-direct-registry).
#include <windows.h>

#include <algorithm>
#include <cstdio>
#include <cwchar>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "checks.h"
#include "config_store.h"
#include "opensslp/opensslp.h"
#include "plan.h"
#include "registration_report.h"
#include "registry_common.h"

namespace {

using namespace opensslp::registry;

constexpr int kExitOk = 0, kExitFailed = 1, kExitUsage = 2, kExitRefused = 3;
constexpr unsigned kSelfTestTimeoutMs = 120000;

void Out(const std::wstring& line) { std::printf("%s\n", Narrow(line).c_str()); }
void Err(const std::wstring& line) { std::fprintf(stderr, "opensslp-register: %s\n", Narrow(line).c_str()); }

const char kUsage[] =
    "usage: opensslp-register.exe install   [--suites all|NAME[,NAME...]] [--priority top|bottom] [--dry-run]\n"
    "                                       [--wine-direct-registry] [--wine-no-wow64]\n"
    "       opensslp-register.exe uninstall [--dry-run] [--wine-direct-registry] [--wine-no-wow64]\n"
    "       opensslp-register.exe status    [--wine-direct-registry] [--wine-no-wow64]\n"
    "       opensslp-register.exe --version | --help\n"
    "\n"
    "Registers the OpenSSLP Protocol Provider (opensslp.dll in System32, and SysWOW64 for 32-bit\n"
    "applications) with the CNG configuration and routes the TLS cipher suites it implements to it.\n"
    "  install    check LSA protection, self-test both DLLs in separate processes, then register and\n"
    "             route all suites (or those named by --suites); priority bottom (default) appends\n"
    "             opensslp to each suite's provider list, top puts it first\n"
    "  uninstall  remove exactly what install added, in reverse order (ignores --suites, --priority)\n"
    "  status     the registration, the DLLs, each suite's providers, the Group Policy order\n"
    "  --dry-run  print every change (call and registry value) and change nothing\n"
    "  --wine-direct-registry  Wine only: write the keys directly (Wine's bcrypt writes nothing)\n"
    "  --wine-no-wow64  Wine only: if this prefix cannot start the 32-bit self-test at all (no 32-bit\n"
    "             Wine), install skips it instead of refusing; one that starts must pass\n"
    "Exit status: 0 done, 1 failed, 2 usage, 3 refused. See docs/windows.md.\n";

struct Options {
  std::wstring command;
  std::vector<std::wstring> suites;  // empty = all
  Priority priority = Priority::kBottom;
  bool dry_run = false;
  bool direct = false;
  bool wine_no_wow64 = false;  // Wine only: a 32-bit self-test that cannot be started is skipped
};

std::wstring ToolDirectory() {
  wchar_t path[MAX_PATH] = {};
  GetModuleFileNameW(nullptr, path, MAX_PATH);
  std::wstring dir = path;
  return dir.substr(0, dir.find_last_of(L'\\'));
}

// ---- self-test ---------------------------------------------------------------------------------
struct SelfTest {
  bool ok = false;
  bool skipped = false;  // --wine-no-wow64: an x86 self-test this Wine prefix could not start
  std::vector<std::wstring> suites;
  std::string output;
};

// may_not_start (--wine-no-wow64, the SysWOW64 self-test only): when the program is an x86 PE file
// and CreateProcess fails, the self-test is reported as skipped rather than failed. A self-test that
// is missing, is not an x86 program, or starts and fails is a failure as always.
SelfTest RunSelfTest(const std::wstring& exe, const wchar_t* label, bool may_not_start = false) {
  SelfTest result;
  if (!FileExists(exe)) {
    result.output = "self-test program missing: " + Narrow(exe);
    return result;
  }
  const std::wstring arguments = std::wstring(L"--image ") + kImageName + L" --provider \"" + kProviderName + L"\"";
  const int code = RunProcess(exe, arguments, kSelfTestTimeoutMs, result.output);
  if (may_not_start && code == -1 && result.output.rfind("could not start the process", 0) == 0 &&
      PeMachine(exe) == L"x86") {
    result.skipped = true;
    Out(std::wstring(L"self-test ") + label + L": skipped: this Wine prefix cannot run 32-bit programs (" +
        Widen(result.output) + L"; --wine-no-wow64) (" + exe + L")");
    return result;
  }
  std::istringstream lines(result.output);
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind("suite ", 0) == 0) result.suites.push_back(Widen(line.substr(6)));
  }
  result.ok = code == 0 && result.output.find("selftest: ok") != std::string::npos && !result.suites.empty();
  Out(std::wstring(L"self-test ") + label + L": " + (result.ok ? L"ok" : L"FAILED") + L" (" + exe + L")");
  return result;
}

void PrintOutput(const std::string& output) {
  std::istringstream lines(output);
  std::string line;
  while (std::getline(lines, line)) std::printf("    | %s\n", line.c_str());
}

// ---- status ------------------------------------------------------------------------------------
int Status(ConfigStore& store, bool wine) {
  std::wstring error;
  const std::optional<RegistrationReport> report = ReadRegistrationReport(store, wine, error);
  if (!report) {
    Err(L"reading the CNG configuration: " + error);
    return kExitFailed;
  }
  const State& state = report->state;
  Out(std::wstring(L"opensslp-register ") + std::to_wstring(OPENSSLP_VERSION_MAJOR) + L"." +
      std::to_wstring(OPENSSLP_VERSION_MINOR) + L"." + std::to_wstring(OPENSSLP_VERSION_PATCH) +
      (wine ? L" (Wine: the configuration is read from the registry)" : L""));
  if (state.provider_registered) {
    Out(std::wstring(L"provider  ") + kProviderName + L": registered, UM image " + state.image + L", " +
        std::to_wstring(state.provider_functions.size()) + L" suites");
  } else {
    Out(std::wstring(L"provider  ") + kProviderName + L": not registered");
  }
  for (const DllPresence& dll : report->dlls) {
    Out(L"dll       " + dll.path + L": " +
        (dll.present ? L"present" + (dll.machine.empty() ? L"" : L" (" + dll.machine + L")") : L"missing"));
  }
  if (state.record) {
    Out(L"record    installed by opensslp-register: " + std::to_wstring(state.record->routed_suites.size()) +
        L" suites routed (priority " + PriorityName(state.record->priority) + L"), " +
        std::to_wstring(state.record->added_suites.size()) + L" added to the suite order");
  } else {
    Out(L"record    none (HKLM\\" + std::wstring(kRecordKey) + L")");
  }
  Out(L"order     local SSL suite order: " + std::to_wstring(state.order.size()) + L" suites");
  for (const SuiteRoute& route : report->suites) {
    std::wstring providers, first = L"(no provider listed)";
    if (!route.providers.empty()) {
      first = route.providers.front();
      for (const auto& p : route.providers) providers += (providers.empty() ? L"" : L", ") + p;
    }
    Out(L"suite     " + route.suite + L": " +
        (route.order == 0 ? std::wstring(L"not in the order") : L"order " + std::to_wstring(route.order)) +
        L", routed to " + first + (providers.empty() ? L"" : L" (providers: " + providers + L")"));
  }
  if (report->policy_suites) {
    std::wstring missing;
    for (const auto& suite : report->not_in_policy) missing += (missing.empty() ? L"" : L", ") + suite;
    Out(L"policy    Group Policy SSL suite order is set (" + std::to_wstring(report->policy_suites->size()) +
        L" suites): it overrides the local order" +
        (missing.empty() ? L"" : L"; not offered because the policy does not list them: " + missing));
  } else {
    Out(L"policy    no Group Policy SSL suite order");
  }
  return kExitOk;
}

// ---- install / uninstall -----------------------------------------------------------------------
int Execute(ConfigStore& store, const std::vector<Change>& plan, State model, bool dry_run) {
  for (size_t i = 0; i < plan.size(); ++i) {
    const auto lines = Describe(plan[i], model);
    Out(L"[" + std::to_wstring(i + 1) + L"/" + std::to_wstring(plan.size()) + L"] " + lines.front());
    for (size_t l = 1; l < lines.size(); ++l) Out(L"      " + lines[l]);
    Apply(model, plan[i]);
  }
  if (dry_run) {
    Out(L"dry run: nothing was changed");
    return kExitOk;
  }
  std::vector<Change> done;
  for (const auto& change : plan) {
    const std::wstring error = store.Apply(change);
    if (error.empty()) {
      done.push_back(change);
      continue;
    }
    Err(L"failed: " + error);
    // Undo what this run added, newest first, so that a failed install leaves nothing behind.
    for (auto it = done.rbegin(); it != done.rend(); ++it) {
      Change undo = *it;
      switch (it->op) {
        case Op::kRegisterProvider: undo.op = Op::kUnregisterProvider; break;
        case Op::kAddContextFunction: undo.op = Op::kRemoveContextFunction; break;
        case Op::kAddContextFunctionProvider: undo.op = Op::kRemoveContextFunctionProvider; break;
        case Op::kWriteRecord: undo.op = Op::kDeleteRecord; break;
        default: continue;  // removals that were meant to happen stay done
      }
      const std::wstring undo_error = store.Apply(undo);
      Err(L"rolled back: " + Describe(undo, State{}).front() +
          (undo_error.empty() ? L"" : L" - FAILED: " + undo_error));
    }
    return kExitFailed;
  }
  return kExitOk;
}

const wchar_t kLsaParagraph[] =
    L"LSA protection is on, and Schannel's handshakes run inside lsass.exe, which then loads only "
    L"plug-ins signed by Microsoft (an LSA plug-in signature from the Partner Center; an ordinary "
    L"code-signing certificate is not enough). Registered, an unsigned opensslp.dll would fail to load "
    L"into lsass, and because Schannel opens every registered SSL provider and gives up when any one "
    L"fails, TLS would stop working for every program on this machine. opensslp-register therefore "
    L"refuses to register it. Use a build of opensslp.dll signed through Microsoft's LSA plug-in "
    L"signing, or turn LSA protection off knowingly (docs/windows.md#lsa-protection-and-signing).";

int Install(ConfigStore& store, const Options& options) {
  const std::wstring system_dll = SystemDll(), wow64_dll = Wow64Dll();

  bool lsa_refuses = false;
  const LsaProtection lsa = QueryLsaProtection();
  Out(L"lsa       " + std::wstring(lsa.on ? L"LSA protection is on: " : L"LSA protection is off: ") + lsa.evidence);
  if (lsa.on) {
    std::wstring detail;
    const bool signed_by_microsoft = HasMicrosoftSignature(system_dll, detail);
    Out(L"signature " + system_dll + L": " + detail);
    if (!signed_by_microsoft) {
      Err(kLsaParagraph);
      if (!options.dry_run) return kExitRefused;
      Out(L"(install would refuse: LSA protection and no Microsoft signature)");
      lsa_refuses = true;
    }
  }

  // Both DLLs, each in a process of its architecture, before anything is registered.
  const SelfTest native = RunSelfTest(ToolDirectory() + L"\\opensslp-selftest.exe", L"System32");
  if (!native.ok) PrintOutput(native.output);
  bool refused = !native.ok;
  if (!wow64_dll.empty()) {
    const SelfTest wow64 = RunSelfTest(ToolDirectory() + L"\\x86\\opensslp-selftest.exe", L"SysWOW64",
                                       options.wine_no_wow64);
    if (wow64.skipped) {
      // No 32-bit process can start here, so none can load the SysWOW64 DLL either.
    } else if (!wow64.ok) {
      PrintOutput(wow64.output);
      refused = true;
    } else if (native.ok && wow64.suites != native.suites) {
      Err(L"the System32 and SysWOW64 DLLs implement different suites: install the same release of both");
      refused = true;
    }
  }
  if (refused) {
    Err(L"refusing to register: a DLL that does not load and work here would break TLS on the whole machine");
    return kExitRefused;
  }

  std::vector<std::wstring> suites = native.suites;
  if (!options.suites.empty()) {
    for (const auto& named : options.suites) {
      if (std::find(suites.begin(), suites.end(), named) == suites.end()) {
        Err(L"--suites: opensslp does not implement " + named);
        return kExitUsage;
      }
    }
    std::vector<std::wstring> chosen;
    for (const auto& s : suites) {
      if (std::find(options.suites.begin(), options.suites.end(), s) != options.suites.end()) chosen.push_back(s);
    }
    suites = chosen;
  }

  std::wstring error;
  const State state = store.Read(suites, error);
  if (!error.empty()) {
    Err(L"reading the CNG configuration: " + error);
    return kExitFailed;
  }
  const auto plan = PlanInstall(state, suites, options.priority);
  Out(L"plan      register " + std::wstring(kProviderName) + L" for " + std::to_wstring(suites.size()) +
      L" suites, priority " + PriorityName(options.priority) + L": " + std::to_wstring(plan.size()) + L" changes");
  const int rc = Execute(store, plan, state, options.dry_run);
  if (rc != kExitOk) return rc;
  if (options.dry_run) return lsa_refuses ? kExitRefused : kExitOk;
  Out(L"installed: " + std::to_wstring(suites.size()) + L" suites routed to " + kProviderName);
  if (state.policy_order) {
    Out(L"note: a Group Policy SSL suite order is set; it overrides the local order, and a suite it does not list is "
        L"not offered (opensslp-register status)");
  }
  return kExitOk;
}

int Uninstall(ConfigStore& store, const Options& options) {
  std::wstring error;
  const State state = store.Read({}, error);
  if (!error.empty()) {
    Err(L"reading the CNG configuration: " + error);
    return kExitFailed;
  }
  const auto plan = PlanUninstall(state);
  if (plan.empty()) {
    Out(L"nothing to remove: " + std::wstring(kProviderName) + L" is not registered");
    return kExitOk;
  }
  if (!state.record) {
    Out(L"note: no install record; removing the provider from every suite that lists it, leaving the suite order as "
        L"is");
  }
  Out(L"plan      unregister " + std::wstring(kProviderName) + L": " + std::to_wstring(plan.size()) + L" changes");
  const int rc = Execute(store, plan, state, options.dry_run);
  if (rc == kExitOk && !options.dry_run) {
    Out(L"uninstalled; a copy of opensslp.dll already loaded by a process (lsass.exe) stays loaded until it exits or "
        L"Windows restarts");
  }
  return rc;
}

}  // namespace

int wmain(int argc, wchar_t** argv) {
  std::setvbuf(stdout, nullptr, _IONBF, 0);
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::wstring arg = argv[i];
    if (arg == L"--help" || arg == L"-h" || arg == L"/?") {
      std::fputs(kUsage, stdout);
      return kExitOk;
    } else if (arg == L"--version") {
      std::printf("opensslp-register %d.%d.%d\n", OPENSSLP_VERSION_MAJOR, OPENSSLP_VERSION_MINOR,
                  OPENSSLP_VERSION_PATCH);
      return kExitOk;
    } else if (arg == L"--suites" && i + 1 < argc) {
      const std::wstring value = argv[++i];
      options.suites = value == L"all" ? std::vector<std::wstring>{} : SplitList(value);
      if (value != L"all" && options.suites.empty()) {
        Err(L"--suites needs 'all' or a comma-separated list of suite names");
        return kExitUsage;
      }
    } else if (arg == L"--priority" && i + 1 < argc) {
      const std::wstring value = argv[++i];
      if (value == L"top") {
        options.priority = Priority::kTop;
      } else if (value == L"bottom") {
        options.priority = Priority::kBottom;
      } else {
        Err(L"--priority must be top or bottom");
        return kExitUsage;
      }
    } else if (arg == L"--dry-run") {
      options.dry_run = true;
    } else if (arg == L"--wine-direct-registry") {
      options.direct = true;
    } else if (arg == L"--wine-no-wow64") {
      options.wine_no_wow64 = true;
    } else if (options.command.empty() && (arg == L"install" || arg == L"uninstall" || arg == L"status")) {
      options.command = arg;
    } else {
      Err(L"unexpected argument: " + arg);
      std::fputs(kUsage, stderr);
      return kExitUsage;
    }
  }
  if (options.command.empty()) {
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  // uninstall accepts (and ignores) the install options, so that an installer can pass one set of
  // arguments to both: it removes what the install record says.
  if (options.command == L"status" && (!options.suites.empty() || options.priority != Priority::kBottom)) {
    Err(L"--suites and --priority belong to install");
    return kExitUsage;
  }
  if (options.command == L"status" && options.dry_run) {
    Err(L"--dry-run belongs to install and uninstall");
    return kExitUsage;
  }

  const bool wine = RunningUnderWine();
  if (options.direct && !wine) {
    Err(L"--wine-direct-registry is for Wine only: on Windows the CNG configuration functions are the supported way "
        L"(cng.sys owns and caches the store)");
    return kExitUsage;
  }
  if (options.wine_no_wow64 && !wine) {
    Err(L"--wine-no-wow64 is for Wine only: on 64-bit Windows both DLLs are always self-tested");
    return kExitUsage;
  }
  // Under Wine the configuration functions write nothing and the enumerating ones abort the
  // process: read the registry, and write only when asked to (docs/windows.md#wine).
  auto store = wine ? MakeDirectStore() : MakeApiStore();
  if (options.command == L"status") return Status(*store, wine);

  if (wine && !options.direct && !options.dry_run) {
    Err(L"refusing: this is Wine, whose bcrypt.dll implements none of the CNG configuration functions (they "
        L"succeed and write nothing); use --wine-direct-registry to write the same keys directly");
    return kExitRefused;
  }
  if (!options.dry_run && !IsElevated()) {
    Err(L"refusing: registering a CNG provider needs an elevated administrator (Run as administrator)");
    return kExitRefused;
  }
  return options.command == L"install" ? Install(*store, options) : Uninstall(*store, options);
}
