// config_isolation_probe.cpp - proves opensslp never lets an OpenSSL configuration file steer it.
//
// The probe points OPENSSL_CONF at a configuration whose only effect is to make every algorithm
// fetch demand the "fips=yes" property, which no loaded provider offers: had libcrypto read that
// file on opensslp's behalf, creating an ECDHE key would fail. The probe uses nothing but
// opensslp's exported API (it must not touch libcrypto itself, which would load the file first)
// and exits 0 only if the key is created. It runs as its own process (a ctest test) because
// OPENSSL_CONF must be set before libcrypto initialises.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "sslprovider.h"

#if defined(_WIN32)
#include <stdlib.h>
#endif

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: config_isolation_probe SCRATCH_DIR\n");
    return 2;
  }
  const std::string path = std::string(argv[1]) + "/opensslp-hostile-openssl.cnf";
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) {
    std::fprintf(stderr, "cannot write %s\n", path.c_str());
    return 2;
  }
  std::fputs(
      "openssl_conf = openssl_init\n"
      "[openssl_init]\n"
      "alg_section = evp_properties\n"
      "[evp_properties]\n"
      "default_properties = fips=yes\n",
      f);
  std::fclose(f);
#if defined(_WIN32)
  _putenv_s("OPENSSL_CONF", path.c_str());
#else
  setenv("OPENSSL_CONF", path.c_str(), 1);
#endif

  NCRYPT_PROV_HANDLE prov = 0;
  SECURITY_STATUS rc = SslOpenProvider(&prov, nullptr, 0);
  if (rc != 0) {
    std::fprintf(stderr, "SslOpenProvider: 0x%08x\n", static_cast<unsigned>(rc));
    return 1;
  }
  NCRYPT_KEY_HANDLE key = 0;
  rc = SslCreateEphemeralKey(prov, &key, TLS1_2_PROTOCOL_VERSION, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
                             TLS_ECC_P256_CURVE_KEY_TYPE, 256, nullptr, 0, 0);
  std::remove(path.c_str());
  if (rc != 0) {
    std::fprintf(stderr, "SslCreateEphemeralKey failed (0x%08x): libcrypto read OPENSSL_CONF on opensslp's behalf\n",
                 static_cast<unsigned>(rc));
    std::puts("0 passed, 1 failed");
    return 1;
  }
  SslFreeObject(key, 0);
  SslFreeObject(prov, 0);
  std::puts("config isolation: OPENSSL_CONF was not loaded");
  std::puts("1 passed, 0 failed");
  return 0;
}
