// plan.h - what opensslp-register.exe changes in the CNG configuration, computed before anything is
// changed (registry/README.md#what-install-changes). Pure logic: a model of the configuration
// (State), the changes (Change, one per CNG configuration call or record write), the install and
// uninstall plans, and the effect of a change on the model, which is also what --dry-run prints.
#ifndef OPENSSLP_REGISTRY_PLAN_H
#define OPENSSLP_REGISTRY_PLAN_H

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace opensslp::registry {

enum class Priority { kTop, kBottom };  // CRYPT_PRIORITY_TOP / CRYPT_PRIORITY_BOTTOM

// What opensslp-register.exe recorded at install (HKLM\SOFTWARE\OpenSSLP\Registration).
struct Record {
  std::vector<std::wstring> routed_suites;  // suites whose Providers list got our name
  std::vector<std::wstring> added_suites;   // suites it put into the local order (absent before)
  Priority priority = Priority::kBottom;
};

// The part of the CNG configuration the tool reads and changes.
struct State {
  bool provider_registered = false;
  std::wstring image;                                        // Providers\<name>\UM\Image
  std::vector<std::wstring> provider_functions;              // ...\UM\00010002\Functions
  std::vector<std::wstring> order;                           // Configuration\Local\SSL\00010002\Functions
  std::map<std::wstring, std::vector<std::wstring>> routes;  // suite -> its Providers list
  std::optional<Record> record;
  std::optional<std::wstring> policy_order;  // Group Policy SSL suite order, if set
};

enum class Op {
  kRegisterProvider,               // BCryptRegisterProvider(name, CRYPT_OVERWRITE, UM image, suites)
  kAddContextFunction,             // BCryptAddContextFunction(CRYPT_LOCAL, "SSL", 0x00010002, suite, priority)
  kAddContextFunctionProvider,     // BCryptAddContextFunctionProvider(..., suite, name, priority)
  kRemoveContextFunctionProvider,  // BCryptRemoveContextFunctionProvider(..., suite, name)
  kRemoveContextFunction,          // BCryptRemoveContextFunction(..., suite)
  kUnregisterProvider,             // BCryptUnregisterProvider(name)
  kWriteRecord,                    // HKLM\SOFTWARE\OpenSSLP\Registration
  kDeleteRecord,
};

struct Change {
  Op op;
  std::wstring suite;                // the suite of a context-function change
  std::vector<std::wstring> suites;  // kRegisterProvider: the functions; kWriteRecord: routed suites
  Record record;                     // kWriteRecord
  Priority priority = Priority::kBottom;
};

// Install `suites` (in the provider's order) with `priority`. A previous registration (a record or
// the provider key) is first removed as PlanUninstall would, so install is also "re-install with
// other suites". Suites already in the local order stay where they are; the others are added.
std::vector<Change> PlanInstall(const State& state, const std::vector<std::wstring>& suites, Priority priority);

// Reverse order of install: our name off each routed suite, the suites we added out of the order,
// the provider unregistered, the record deleted. Without a record (registered by hand or by an
// older tool), the routed suites are those whose Providers list names us, and no suite is taken
// out of the order (we do not know who put it there).
std::vector<Change> PlanUninstall(const State& state);

// The change's effect on the model, as the CNG configuration functions behave (docs: inference
// where Microsoft documents nothing, registry/README.md#api-semantics).
void Apply(State& state, const Change& change);

// One line naming the call, then one line per registry value it changes (for --dry-run and for
// the log of a real run). `before` is the model before the change.
std::vector<std::wstring> Describe(const Change& change, const State& before);

std::wstring PriorityName(Priority priority);

}  // namespace opensslp::registry

#endif  // OPENSSLP_REGISTRY_PLAN_H
