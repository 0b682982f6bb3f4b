// Streaming Chrome/Perfetto trace-event JSON writer: one track per block, complete and counter
// events.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <fstream>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace lpsim::traces {

// Microseconds (the trace-event time unit) of `cycles` clock cycles of `period_ns`.
inline double cycles_to_us(std::uint64_t cycles, double period_ns) {
  return static_cast<double>(cycles) * period_ns * 1e-3;
}

// Writes {"displayTimeUnit":"ns","traceEvents":[ ... ]} one event per line as events arrive (no
// DOM of the whole trace), so traces of any length stream in constant memory. Open the file in
// ui.perfetto.dev or chrome://tracing. Tracks are threads (tid) of one process (pid), named by
// "M" thread_name events and ordered by thread_sort_index.
class TraceEventWriter {
 public:
  explicit TraceEventWriter(std::ostream& os, const std::string& process_name = "lpsim",
                            int pid = 1);
  // Writes to `path`; throws std::runtime_error naming the path when it cannot be opened.
  TraceEventWriter(const std::string& path, const std::string& process_name, int pid = 1);
  ~TraceEventWriter();
  TraceEventWriter(const TraceEventWriter&) = delete;
  TraceEventWriter& operator=(const TraceEventWriter&) = delete;

  // The block tracks, in this order.
  static const std::vector<std::string>& standard_tracks();  // controller, dma, array, ppu
  void add_standard_tracks();
  // A new named track; returns its tid (1, 2, ...). Duplicate names: std::invalid_argument.
  int add_track(const std::string& name);
  // tid of a named track; std::out_of_range if unknown.
  int track(const std::string& name) const;

  // A complete event ("X") on track `tid` from ts_us lasting dur_us (both µs, fractional).
  // `args` (a JSON object or null) shows in the event's details.
  void complete(int tid, const std::string& name, double ts_us, double dur_us,
                const nlohmann::json& args = nullptr, const std::string& category = "");
  void complete(const std::string& track_name, const std::string& name, double ts_us, double dur_us,
                const nlohmann::json& args = nullptr) {
    complete(track(track_name), name, ts_us, dur_us, args);
  }
  // A counter event ("C"): one counter track `name` with one series per value.
  void counter(const std::string& name, double ts_us,
               const std::vector<std::pair<std::string, double>>& values);

  std::uint64_t events() const { return m_events; }
  // Ends the JSON document; idempotent (the destructor calls it).
  void close();

 private:
  void emit(const nlohmann::json& ev);
  static void check_time(double v, const char* what);

  std::unique_ptr<std::ofstream> m_file;
  std::ostream* m_os;
  int m_pid;
  std::map<std::string, int> m_tracks;
  std::uint64_t m_events = 0;
  bool m_closed = false;
};

}  // namespace lpsim::traces
