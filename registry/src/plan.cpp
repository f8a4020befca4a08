// plan.cpp - see plan.h.
#include "plan.h"

#include <algorithm>

#include "registry_common.h"

namespace opensslp::registry {

namespace {

bool Contains(const std::vector<std::wstring>& list, const std::wstring& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

void Remove(std::vector<std::wstring>& list, const std::wstring& item) {
  list.erase(std::remove(list.begin(), list.end(), item), list.end());
}

void Insert(std::vector<std::wstring>& list, const std::wstring& item, Priority priority) {
  if (Contains(list, item)) return;
  if (priority == Priority::kTop) {
    list.insert(list.begin(), item);
  } else {
    list.push_back(item);
  }
}

std::wstring Join(const std::vector<std::wstring>& list) {
  std::wstring out = L"[";
  for (size_t i = 0; i < list.size(); ++i) out += (i ? L", \"" : L"\"") + list[i] + L"\"";
  return out + L"]";
}

const std::wstring kHklm = L"HKLM\\";

}  // namespace

std::wstring PriorityName(Priority priority) { return priority == Priority::kTop ? L"top" : L"bottom"; }

std::vector<Change> PlanUninstall(const State& state) {
  std::vector<Change> plan;
  std::vector<std::wstring> routed;
  if (state.record) {
    routed = state.record->routed_suites;
  } else {
    for (const auto& [suite, providers] : state.routes) {
      if (Contains(providers, kProviderName)) routed.push_back(suite);
    }
  }
  for (auto it = routed.rbegin(); it != routed.rend(); ++it) {
    auto route = state.routes.find(*it);
    if (route != state.routes.end() && Contains(route->second, kProviderName)) {
      plan.push_back({Op::kRemoveContextFunctionProvider, *it, {}, {}, Priority::kBottom});
    }
  }
  if (state.record) {
    const auto& added = state.record->added_suites;
    for (auto it = added.rbegin(); it != added.rend(); ++it) {
      if (Contains(state.order, *it)) plan.push_back({Op::kRemoveContextFunction, *it, {}, {}, Priority::kBottom});
    }
  }
  if (state.provider_registered) plan.push_back({Op::kUnregisterProvider, L"", {}, {}, Priority::kBottom});
  if (state.record) plan.push_back({Op::kDeleteRecord, L"", {}, {}, Priority::kBottom});
  return plan;
}

std::vector<Change> PlanInstall(const State& state, const std::vector<std::wstring>& suites, Priority priority) {
  std::vector<Change> plan;
  State after = state;
  if (state.record || state.provider_registered) {
    plan = PlanUninstall(state);
    for (const auto& change : plan) Apply(after, change);
  }
  plan.push_back({Op::kRegisterProvider, L"", suites, {}, priority});
  // Inserting each suite at the top in turn reverses them: walk backwards so that they end up in
  // the provider's order either way.
  std::vector<std::wstring> walk = suites;
  if (priority == Priority::kTop) std::reverse(walk.begin(), walk.end());
  Record record{suites, {}, priority};
  for (const auto& suite : walk) {
    if (!Contains(after.order, suite)) {
      plan.push_back({Op::kAddContextFunction, suite, {}, {}, priority});
      Apply(after, plan.back());
      record.added_suites.push_back(suite);
    }
    plan.push_back({Op::kAddContextFunctionProvider, suite, {}, {}, priority});
    Apply(after, plan.back());
  }
  plan.push_back({Op::kWriteRecord, L"", suites, record, priority});
  return plan;
}

void Apply(State& state, const Change& change) {
  switch (change.op) {
    case Op::kRegisterProvider:
      state.provider_registered = true;
      state.image = kImageName;
      state.provider_functions = change.suites;
      break;
    case Op::kUnregisterProvider:
      state.provider_registered = false;
      state.image.clear();
      state.provider_functions.clear();
      break;
    case Op::kAddContextFunction: Insert(state.order, change.suite, change.priority); break;
    case Op::kRemoveContextFunction: Remove(state.order, change.suite); break;
    case Op::kAddContextFunctionProvider: Insert(state.routes[change.suite], kProviderName, change.priority); break;
    case Op::kRemoveContextFunctionProvider: {
      auto route = state.routes.find(change.suite);
      if (route != state.routes.end()) {
        Remove(route->second, kProviderName);
        if (route->second.empty()) state.routes.erase(route);
      }
      break;
    }
    case Op::kWriteRecord: state.record = change.record; break;
    case Op::kDeleteRecord: state.record.reset(); break;
  }
}

std::vector<std::wstring> Describe(const Change& change, const State& before) {
  State after = before;
  Apply(after, change);
  const std::wstring name = kProviderName;
  const std::wstring provider_key = kHklm + kProvidersKey + L"\\" + name;
  const std::wstring prio = change.priority == Priority::kTop ? L"CRYPT_PRIORITY_TOP" : L"CRYPT_PRIORITY_BOTTOM";
  std::vector<std::wstring> lines;
  switch (change.op) {
    case Op::kRegisterProvider:
      lines.push_back(L"BCryptRegisterProvider(\"" + name + L"\", CRYPT_OVERWRITE, UM image \"" + kImageName +
                      L"\", interface 0x00010002 CRYPT_LOCAL, " + std::to_wstring(change.suites.size()) +
                      L" functions)");
      lines.push_back(L"  set " + provider_key + L"\\UM  Image = REG_SZ \"" + kImageName + L"\"");
      lines.push_back(L"  set " + provider_key + L"\\UM\\00010002  Functions = REG_MULTI_SZ " + Join(change.suites));
      lines.push_back(L"  set " + provider_key + L"\\UM\\00010002  Flags = REG_DWORD 0x00000001 (CRYPT_LOCAL)");
      break;
    case Op::kUnregisterProvider:
      lines.push_back(L"BCryptUnregisterProvider(\"" + name + L"\")");
      lines.push_back(L"  delete " + provider_key + L" (the key and everything under it)");
      break;
    case Op::kAddContextFunction:
      lines.push_back(L"BCryptAddContextFunction(CRYPT_LOCAL, \"SSL\", 0x00010002, \"" + change.suite + L"\", " + prio +
                      L")");
      lines.push_back(L"  set " + kHklm + kSslConfigKey + L"  Functions = REG_MULTI_SZ (" +
                      std::to_wstring(after.order.size()) + L" suites; \"" + change.suite + L"\" added at the " +
                      PriorityName(change.priority) + L")");
      break;
    case Op::kRemoveContextFunction:
      lines.push_back(L"BCryptRemoveContextFunction(CRYPT_LOCAL, \"SSL\", 0x00010002, \"" + change.suite + L"\")");
      lines.push_back(L"  set " + kHklm + kSslConfigKey + L"  Functions = REG_MULTI_SZ (" +
                      std::to_wstring(after.order.size()) + L" suites; \"" + change.suite + L"\" removed)");
      break;
    case Op::kAddContextFunctionProvider: {
      const auto& providers = after.routes[change.suite];
      lines.push_back(L"BCryptAddContextFunctionProvider(CRYPT_LOCAL, \"SSL\", 0x00010002, \"" + change.suite +
                      L"\", \"" + name + L"\", " + prio + L")");
      lines.push_back(L"  set " + kHklm + kSslConfigKey + L"\\" + change.suite + L"  Providers = REG_MULTI_SZ " +
                      Join(providers));
      break;
    }
    case Op::kRemoveContextFunctionProvider: {
      lines.push_back(L"BCryptRemoveContextFunctionProvider(CRYPT_LOCAL, \"SSL\", 0x00010002, \"" + change.suite +
                      L"\", \"" + name + L"\")");
      auto route = after.routes.find(change.suite);
      if (route == after.routes.end()) {
        lines.push_back(L"  delete " + kHklm + kSslConfigKey + L"\\" + change.suite + L"  Providers (now empty)");
      } else {
        lines.push_back(L"  set " + kHklm + kSslConfigKey + L"\\" + change.suite + L"  Providers = REG_MULTI_SZ " +
                        Join(route->second));
      }
      break;
    }
    case Op::kWriteRecord:
      lines.push_back(L"record what was added (for uninstall)");
      lines.push_back(L"  set " + kHklm + kRecordKey + L"  RoutedSuites = REG_MULTI_SZ " +
                      Join(change.record.routed_suites));
      lines.push_back(L"  set " + kHklm + kRecordKey + L"  AddedSuites = REG_MULTI_SZ " +
                      Join(change.record.added_suites));
      lines.push_back(L"  set " + kHklm + kRecordKey + L"  Priority = REG_SZ \"" +
                      PriorityName(change.record.priority) + L"\"");
      break;
    case Op::kDeleteRecord:
      lines.push_back(L"delete the install record");
      lines.push_back(L"  delete " + kHklm + kRecordParentKey + L" (the key and everything under it)");
      break;
  }
  return lines;
}

}  // namespace opensslp::registry
