// group_bits.h - key sizes by IANA group, written out from the curve and group definitions
// (SEC 2, RFC 7748, RFC 7919) rather than read from opensslp's own table.
#pragma once

#include <cstdint>

namespace opensslp_test {

inline std::uint32_t IndependentGroupBits(std::uint32_t iana_id) {
  switch (iana_id) {
    case 23: return 256;
    case 24: return 384;
    case 25: return 521;
    case 29: return 255;
    case 30: return 448;
    case 256: return 2048;
    case 257: return 3072;
    case 258: return 4096;
    case 259: return 6144;
    case 260: return 8192;
  }
  return 0;
}

}  // namespace opensslp_test
