// openssl_errors.h - draining OpenSSL's per-thread error queue. Kept apart from the rest of
// tlswire because it needs OpenSSL: the driver (tools/tlsdriver) does not include it.
#pragma once

#include <openssl/err.h>

#include <string>

namespace opensslp::tlswire {

// Empties this thread's OpenSSL error queue into one line ("error:...; error:..."), so that
// nothing is left behind for the next call to misreport.
inline std::string DrainErrors() {
  std::string text;
  unsigned long err;
  while ((err = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(err, buf, sizeof(buf));
    if (!text.empty()) text += "; ";
    text += buf;
  }
  return text;
}

}  // namespace opensslp::tlswire
