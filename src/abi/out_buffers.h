// out_buffers.h - the "query the size, then fill" convention for caller-allocated outputs.
//
// docs/reference/caller-semantics.md#size-query: a NULL output pointer means "tell me the size":
// write it to *pcbResult and succeed. A buffer that is too small gets NTE_BUFFER_TOO_SMALL with the
// required size in *pcbResult and nothing written to the buffer.
#pragma once

#include <cstring>
#include <limits>

#include "sslprovider.h"
#include "util/bytes.h"
#include "util/status.h"

namespace opensslp::abi {

enum class OutputMode { kSizeQuery, kWrite };

// Validates (pbOutput, cbOutput, pcbResult) for an output of `needed` bytes. On success returns
// whether the caller asked only for the size; *pcbResult is set to `needed` in every case where a
// size is reported (size query and buffer too small).
inline Result<OutputMode> PrepareOutput(PBYTE pbOutput, DWORD cbOutput, DWORD* pcbResult, std::size_t needed) {
  if (pcbResult == nullptr) return Error::kInvalidParameter;
  if (needed > std::numeric_limits<DWORD>::max()) return Error::kInternal;
  if (pbOutput == nullptr) {
    *pcbResult = static_cast<DWORD>(needed);
    return OutputMode::kSizeQuery;
  }
  if (cbOutput < needed) {
    *pcbResult = static_cast<DWORD>(needed);
    return Error::kBufferTooSmall;
  }
  return OutputMode::kWrite;
}

// Copies `data` out under the convention above.
inline Status WriteOutput(PBYTE pbOutput, DWORD cbOutput, DWORD* pcbResult, Bytes data) {
  ASSIGN_OR_RETURN(OutputMode mode, PrepareOutput(pbOutput, cbOutput, pcbResult, data.size()));
  if (mode == OutputMode::kWrite) {
    if (!data.empty()) std::memcpy(pbOutput, data.data(), data.size());
    *pcbResult = static_cast<DWORD>(data.size());
  }
  return Status::Ok();
}

}  // namespace opensslp::abi
