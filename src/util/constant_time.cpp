// constant_time.cpp - see constant_time.h.
#include "util/constant_time.h"

namespace opensslp {

// Weak on ELF only: tests/ct links the static library and supplies the memcheck version. PE/COFF
// weak symbols behave differently under mingw, and nothing replaces it there.
#if defined(__ELF__)
__attribute__((weak))
#endif
void CtDeclassify(const void* data, std::size_t len) noexcept {
  (void)data;
  (void)len;
}

}  // namespace opensslp
