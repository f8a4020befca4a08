// rw_lock.h - a reader/writer lock that is trustworthy on every platform opensslp ships on.
//
// Why not std::shared_mutex everywhere: in the mingw-w64 build libstdc++ implements it on
// winpthreads' pthread_rwlock_t, and under contention that lock let two writers in at once. Seen
// under Wine 8: HandleTable.ConcurrentCreateUseFreeStress lost a live-count update in about 1 of
// 30 runs, and the RwLock test in util_test.cpp, run with std::shared_mutex, lost increments in
// 3 of 100 runs; with SRWLOCK both passed 100 of 100. Never seen on Linux. On Windows this wraps
// the kernel32 slim reader/writer lock (SRWLOCK), which is what Windows system DLLs use;
// elsewhere it is std::shared_mutex. It meets the Lockable and SharedLockable requirements, so
// std::unique_lock and std::shared_lock work with it.
#pragma once

#if !defined(_WIN32)
#include <shared_mutex>
#endif

namespace opensslp {

class RwLock {
 public:
  RwLock() = default;
  RwLock(const RwLock&) = delete;
  RwLock& operator=(const RwLock&) = delete;

  void lock() noexcept;
  void unlock() noexcept;
  void lock_shared() noexcept;
  void unlock_shared() noexcept;

 private:
#if defined(_WIN32)
  // Storage for an SRWLOCK (one pointer; SRWLOCK_INIT is all-zero bits). Kept as void* so this
  // header does not pull <windows.h> into every module.
  void* srw_ = nullptr;
#else
  std::shared_mutex mutex_;
#endif
};

}  // namespace opensslp
