#include "util/rw_lock.h"

#if defined(_WIN32)
#include <windows.h>
#endif

namespace opensslp {

#if defined(_WIN32)
static_assert(sizeof(SRWLOCK) == sizeof(void*), "SRWLOCK is one pointer");

static PSRWLOCK AsSrw(void** storage) noexcept { return reinterpret_cast<PSRWLOCK>(storage); }

void RwLock::lock() noexcept { AcquireSRWLockExclusive(AsSrw(&srw_)); }
void RwLock::unlock() noexcept { ReleaseSRWLockExclusive(AsSrw(&srw_)); }
void RwLock::lock_shared() noexcept { AcquireSRWLockShared(AsSrw(&srw_)); }
void RwLock::unlock_shared() noexcept { ReleaseSRWLockShared(AsSrw(&srw_)); }
#else
// std::shared_mutex::lock can in principle throw std::system_error (EDEADLK and the like, which
// would be a bug of ours); terminating is the right answer to that, hence noexcept.
void RwLock::lock() noexcept { mutex_.lock(); }
void RwLock::unlock() noexcept { mutex_.unlock(); }
void RwLock::lock_shared() noexcept { mutex_.lock_shared(); }
void RwLock::unlock_shared() noexcept { mutex_.unlock_shared(); }
#endif

}  // namespace opensslp
