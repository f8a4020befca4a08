// constant_time.h - the one point where secret-dependent code says "this value is public now".
//
// Constant-time code computes its verdicts (a MAC check, a padding check, an equality) with masks
// and then branches ONCE on the result, which the protocol reveals anyway (the record is refused,
// the Finished does not verify). CtDeclassify marks that hand-over in the code, the way BoringSSL's
// CONSTTIME_DECLASSIFY does: every branch on a secret-derived value is preceded by it, so a reader
// (and a tool) can tell a deliberate reveal from an accidental one.
//
// In the library it does nothing. tests/ct (docs/constant-time.md) runs the code under Valgrind's
// memcheck with the key material marked undefined (the ctgrind technique) and provides a strong
// definition that marks the bytes defined again; any other branch or memory index on a value
// derived from a secret is then a memcheck error. On ELF targets the library's definition is weak
// so that the test executable, which links the static library, can replace it; the shared library
// keeps it local (its version script exports only the Ssl* names), so no other module can.
#pragma once

#include <cstddef>

namespace opensslp {

// CtDeclassify: the `len` bytes at `data` are derived from secrets but are public from here on
// (the caller is about to branch on them or return them). No effect on the program's result.
void CtDeclassify(const void* data, std::size_t len) noexcept;

// CtValueBarrier: returns `v` unchanged, but the compiler can no longer relate the result to how
// `v` was computed (an empty asm statement that claims to modify it; BoringSSL's value_barrier_w).
// Used on a PUBLIC loop index before it meets a secret in a mask computation: otherwise GCC's
// induction-variable optimisation may rewrite the loop around the secret -- at -O2 GCC 12 computed
// p[n - 1 - i] as (p + n - pad)[pad - 1 - i] and ended the loop on a counter offset by the secret
// padding length (docs/constant-time.md#findings). The address and trip count stay the same for
// every secret, but they are then computed from secret registers, which is exactly what
// constant-time code must not do and what tests/ct reports.
template <class T>
inline T CtValueBarrier(T v) noexcept {
#if defined(__GNUC__) || defined(__clang__)
  __asm__("" : "+r"(v));
#endif
  return v;
}

}  // namespace opensslp
