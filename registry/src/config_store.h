// config_store.h - reading and changing the CNG configuration (registry/README.md).
//
// Two stores with one interface:
//  * ApiStore: the CNG configuration functions of bcrypt.dll (BCryptRegisterProvider,
//    BCryptAddContextFunction[Provider], their Remove/Unregister twins, BCryptEnumContextFunctions,
//    BCryptEnumContextFunctionProviders, BCryptQueryProviderRegistration). The only supported way on
//    Windows: cng.sys owns the store and caches it, so hand-written keys may go unseen.
//  * DirectStore: the same keys written with the registry functions. Only for Wine, whose bcrypt
//    implements none of the configuration functions (the register/add calls succeed and write
//    nothing; the enumerate/query calls abort the process). Under Wine every read goes through it.
// The install record (HKLM\SOFTWARE\OpenSSLP\Registration) and the Group Policy order are plain
// registry values in both.
#ifndef OPENSSLP_REGISTRY_CONFIG_STORE_H
#define OPENSSLP_REGISTRY_CONFIG_STORE_H

#include <memory>
#include <string>
#include <vector>

#include "plan.h"

namespace opensslp::registry {

class ConfigStore {
 public:
  virtual ~ConfigStore() = default;
  // The configuration, with the Providers list of every suite in the local order and of `suites`.
  // An error reading it is returned in `error` (empty on success).
  virtual State Read(const std::vector<std::wstring>& suites, std::wstring& error) = 0;
  // Carries out one change; returns an empty string or what failed.
  virtual std::wstring Apply(const Change& change) = 0;
};

std::unique_ptr<ConfigStore> MakeApiStore();
std::unique_ptr<ConfigStore> MakeDirectStore();

// True when running under Wine (ntdll exports wine_get_version).
bool RunningUnderWine();

}  // namespace opensslp::registry

#endif  // OPENSSLP_REGISTRY_CONFIG_STORE_H
