// Data-parallel loops for the value engines (FP32 forward, reference GEMM, tile-fidelity GEMM).
//
// parallel_for(n, grain, f) calls f(begin, end) on disjoint chunks of [0, n) that cover it. The
// chunks depend only on n and grain, never on the thread count, and each output element is
// computed by exactly one call in the same order as a single-threaded loop would: results are
// byte-identical for any number of threads. Threads are started per call (std::thread, no
// persistent pool), so a process may fork at any time (simulate() runs in a forked worker).
//
// The thread count is process-wide: set_threads(0) = every core (the default), 1 = the calling
// thread only. A loop with fewer than two chunks, or called from inside a parallel_for, runs on
// the calling thread.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>
#include <thread>
#include <vector>

namespace lpsim {

namespace detail {
inline std::atomic<int>& thread_setting() {
  static std::atomic<int> n{0};
  return n;
}
inline bool& inside_parallel() {
  thread_local bool inside = false;
  return inside;
}
}  // namespace detail

// 0 = every core.
inline void set_threads(int n) {
  detail::thread_setting().store(std::max(0, n));
}

// The number of threads a parallel_for may use (>= 1).
inline int threads() {
  const int n = detail::thread_setting().load();
  if (n > 0) return n;
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

template <class F>
void parallel_for(std::int64_t n, std::int64_t grain, F&& f) {
  if (n <= 0) return;
  grain = std::max<std::int64_t>(1, grain);
  const std::int64_t chunks = (n + grain - 1) / grain;
  const int nt = static_cast<int>(std::min<std::int64_t>(threads(), chunks));
  if (nt <= 1 || detail::inside_parallel()) {
    f(std::int64_t{0}, n);
    return;
  }
  std::atomic<std::int64_t> next{0};
  std::exception_ptr error;
  std::atomic<bool> failed{false};
  auto work = [&] {
    detail::inside_parallel() = true;
    for (;;) {
      const std::int64_t c = next.fetch_add(1);
      if (c >= chunks || failed.load()) break;
      try {
        f(c * grain, std::min(n, (c + 1) * grain));
      } catch (...) {
        if (!failed.exchange(true)) error = std::current_exception();
      }
    }
    detail::inside_parallel() = false;
  };
  std::vector<std::thread> pool;
  pool.reserve(static_cast<std::size_t>(nt - 1));
  for (int t = 1; t < nt; ++t) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace lpsim
