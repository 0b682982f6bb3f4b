// SystemC's coroutines and AddressSanitizer: resync_asan_main_stack() (docs/reliability.md,
// "Sanitizers").
//
// Debian's SystemC 2.3.4 tells ASan about its QuickThreads coroutine switches
// (__sanitizer_start_switch_fiber / __sanitizer_finish_switch_fiber, weak references in
// libsystemc), but it announces the main coroutine with no stack (bottom 0, size 0) and does
// not announce the switch at all when a thread process ends (sc_cor_pkg_qt::abort); SystemC
// fixed both after 2.3.4. So when sc_start() returns, ASan may believe that the main thread
// still runs on no stack or on a finished coroutine's stack. The next exception thrown makes
// __asan_handle_no_return give up ("ASan is ignoring requested __asan_handle_no_return") and
// leaves the poison of the frames it unwinds on the real stack; later calls that reuse those
// addresses are then reported as stack-use-after-scope (first in the sigaltstack interceptor,
// then in memcpy and elsewhere) although nothing is wrong.
//
// Call resync_asan_main_stack() on the main thread's stack right after sc_start() returns: it
// announces the thread's real stack to ASan as a (no-op) fiber switch. Without ASan it does
// nothing.
#pragma once

#if defined(__SANITIZE_ADDRESS__)
#define LPSIM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LPSIM_ASAN 1
#endif
#endif

#ifdef LPSIM_ASAN
#include <pthread.h>
#include <sanitizer/common_interface_defs.h>

#include <cstddef>
#endif

namespace lpsim::hw {

inline void resync_asan_main_stack() {
#ifdef LPSIM_ASAN
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return;
  void* bottom = nullptr;
  std::size_t size = 0;
  const bool known = pthread_attr_getstack(&attr, &bottom, &size) == 0;
  pthread_attr_destroy(&attr);
  if (!known) return;
  void* fake_stack = nullptr;  // kept across the switch (detect_stack_use_after_return=1)
  __sanitizer_start_switch_fiber(&fake_stack, bottom, size);
  __sanitizer_finish_switch_fiber(fake_stack, nullptr, nullptr);
#endif
}

}  // namespace lpsim::hw
