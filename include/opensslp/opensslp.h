/*
 * opensslp/opensslp.h - opensslp's own additions to the SSL provider interface: its name, version
 * and the property names SslGetProviderProperty and SslGetKeyProperty understand.
 * Everything here is plain data; opensslp exports no functions beyond sslprovider.h's.
 */
#ifndef OPENSSLP_OPENSSLP_H
#define OPENSSLP_OPENSSLP_H

#include "sslprovider.h"

/* The name opensslp registers under and answers to (SslOpenProvider, GetSChannelInterface). */
#define OPENSSLP_PROVIDER_NAME OPENSSLP_W("OpenSSLP Protocol Provider")

/* opensslp's version: major.minor.patch, and as one DWORD 0x00MMmmpp. */
#define OPENSSLP_VERSION_MAJOR 0
#define OPENSSLP_VERSION_MINOR 1
#define OPENSSLP_VERSION_PATCH 0
#define OPENSSLP_VERSION_DWORD \
  ((DWORD)((OPENSSLP_VERSION_MAJOR << 16) | (OPENSSLP_VERSION_MINOR << 8) | OPENSSLP_VERSION_PATCH))

/*
 * The function table GetSChannelInterface returns is followed by NULL pointer slots up to
 * OPENSSLP_ROUTER_TABLE_SLOTS members: ncrypt.dll copies that many pointers after Version (392 bytes
 * on x64) whatever version the table declares. OPENSSLP_TABLE_MEMBERS is the version-5 count
 * (sizeof(NCRYPT_SSL_FUNCTION_TABLE) holds exactly these; SslInitializeInterface copies only them).
 */
#define OPENSSLP_TABLE_MEMBERS 41
#define OPENSSLP_ROUTER_TABLE_SLOTS 48

/*
 * SslGetProviderProperty names. Each value is a single item: ppEnumState, when given, must point to
 * NULL and is left NULL. The output is provider-allocated; free it with SslFreeBuffer.
 *   "Name"             UTF-16, NUL-terminated: "OpenSSLP Protocol Provider"
 *   "Version"          DWORD: OPENSSLP_VERSION_DWORD
 *   "VersionString"    UTF-16, NUL-terminated: e.g. "0.1.0"
 *   "CryptoLibrary"    UTF-16, NUL-terminated: the OpenSSL version text, e.g. "OpenSSL 3.0.19 ..."
 *   "InterfaceVersion" BCRYPT_INTERFACE_VERSION (4 bytes): the function-table version, {5, 0}
 *   "Configuration"    UTF-16, NUL-terminated: the administrator's configuration in force
 *                      (docs/operations.md), "\n"-separated lines: "origin: WHERE", then one
 *                      "Name: value (where it came from)" line per setting
 *   "ConfigurationProblems" UTF-16, NUL-terminated: why the last read of the configuration was not
 *                      applied, one problem per "\n"-terminated line; empty when it was applied
 *   "Trace"            UTF-16, NUL-terminated: the per-call trace's state (docs/diagnostics.md):
 *                      "off", "failures: FILE (SOURCE); N lines written, M lost", the same
 *                      with "verbose", or "failed: REASON (SOURCE)"
 *   "KeyLog"           UTF-16, NUL-terminated: the key log's state (docs/key-log.md): "off", or
 *                      "on: FILE (SOURCE)" while lines are written to FILE, or
 *                      "failed: REASON (SOURCE)" when it is switched on but FILE cannot be opened
 */
#define OPENSSLP_PROPERTY_NAME OPENSSLP_W("Name")
#define OPENSSLP_PROPERTY_VERSION OPENSSLP_W("Version")
#define OPENSSLP_PROPERTY_VERSION_STRING OPENSSLP_W("VersionString")
#define OPENSSLP_PROPERTY_CRYPTO_LIBRARY OPENSSLP_W("CryptoLibrary")
#define OPENSSLP_PROPERTY_INTERFACE_VERSION OPENSSLP_W("InterfaceVersion")
#define OPENSSLP_PROPERTY_KEY_LOG OPENSSLP_W("KeyLog")
#define OPENSSLP_PROPERTY_CONFIGURATION OPENSSLP_W("Configuration")
#define OPENSSLP_PROPERTY_CONFIGURATION_PROBLEMS OPENSSLP_W("ConfigurationProblems")
#define OPENSSLP_PROPERTY_TRACE OPENSSLP_W("Trace")

/*
 * SslChangeNotify(NULL, OPENSSLP_CHANGE_NOTIFY_RELOAD_CONFIGURATION): re-read the administrator's
 * configuration now (docs/operations.md#reload). Returns 0 when it was applied; NTE_BAD_DATA when
 * it has problems and was not applied (the configuration in force stays; the property
 * "ConfigurationProblems" lists them); NTE_INVALID_PARAMETER for a non-NULL hEvent. Any other
 * dwFlags value: NTE_NOT_SUPPORTED, as Windows documents SslChangeNotify.
 */
#define OPENSSLP_CHANGE_NOTIFY_RELOAD_CONFIGURATION 0x4F500001u

/*
 * SslGetKeyProperty names, for every key handle kind (private, public, ephemeral, master,
 * session, ...). The output is provider-allocated; free it with SslFreeBuffer. dwFlags must be 0.
 *   "KEYTYPE" (SSL_KEY_TYPE_PROPERTY)             DWORD: IANA NamedGroup for EC/X25519/X448 keys, else 0
 *   "Algorithm Name" (NCRYPT_ALGORITHM_PROPERTY)  UTF-16, NUL-terminated CNG algorithm name
 *                                                 ("RSA", "ECDSA", "ECDH", "DH", ...)
 *   "Length" (NCRYPT_LENGTH_PROPERTY)             DWORD: key length in bits
 */
#define OPENSSLP_KEY_PROPERTY_KEY_TYPE OPENSSLP_W("KEYTYPE")
#define OPENSSLP_KEY_PROPERTY_ALGORITHM OPENSSLP_W("Algorithm Name")
#define OPENSSLP_KEY_PROPERTY_LENGTH OPENSSLP_W("Length")

/*
 * The key store for certificates whose private keys live outside any Windows key storage
 * provider (always the case off Windows): see docs/key-store.md.
 */
#define OPENSSLP_KEY_STORE_ENV "OPENSSLP_KEY_STORE"

/*
 * The key log (docs/key-log.md): outside Windows this environment variable names the file; on
 * Windows the REG_SZ value OPENSSLP_KEY_LOG_REGISTRY_VALUE under HKEY_LOCAL_MACHINE\
 * OPENSSLP_REGISTRY_KEY does (administrators only).
 */
#define OPENSSLP_KEY_LOG_ENV "OPENSSLP_KEYLOGFILE"
/* The configuration (docs/operations.md): outside Windows this variable names a configuration
 * file; on Windows the values live under HKEY_LOCAL_MACHINE\OPENSSLP_REGISTRY_KEY. */
#define OPENSSLP_CONFIG_ENV "OPENSSLP_CONFIG"
#define OPENSSLP_REGISTRY_KEY OPENSSLP_W("SOFTWARE\\OpenSSLP")
#define OPENSSLP_KEY_LOG_REGISTRY_VALUE OPENSSLP_W("KeyLogFile")

#endif /* OPENSSLP_OPENSSLP_H */
