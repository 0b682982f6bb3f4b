// Trace-event JSON (Chrome "Trace Event Format", read by Perfetto), streamed event by event.
#include "traces/trace_event_writer.hpp"

#include <cmath>
#include <stdexcept>

namespace lpsim::traces {

TraceEventWriter::TraceEventWriter(std::ostream& os, const std::string& process_name, int pid)
    : m_os(&os), m_pid(pid) {
  *m_os << "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n";
  emit({{"ph", "M"},
        {"name", "process_name"},
        {"pid", m_pid},
        {"tid", 0},
        {"args", {{"name", process_name}}}});
}

TraceEventWriter::TraceEventWriter(const std::string& path, const std::string& process_name,
                                   int pid)
    : m_file(std::make_unique<std::ofstream>(path, std::ios::binary)),
      m_os(m_file.get()),
      m_pid(pid) {
  if (!*m_file) throw std::runtime_error("cannot write trace file '" + path + "'");
  *m_os << "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n";
  emit({{"ph", "M"},
        {"name", "process_name"},
        {"pid", m_pid},
        {"tid", 0},
        {"args", {{"name", process_name}}}});
}

TraceEventWriter::~TraceEventWriter() {
  try {
    close();
  } catch (...) {  // a destructor must not throw
  }
}

const std::vector<std::string>& TraceEventWriter::standard_tracks() {
  static const std::vector<std::string> t = {"controller", "dma", "array", "ppu"};
  return t;
}

void TraceEventWriter::add_standard_tracks() {
  for (const auto& t : standard_tracks()) add_track(t);
}

int TraceEventWriter::add_track(const std::string& name) {
  if (m_tracks.count(name)) throw std::invalid_argument("trace: duplicate track '" + name + "'");
  const int tid = static_cast<int>(m_tracks.size()) + 1;
  m_tracks[name] = tid;
  emit({{"ph", "M"},
        {"name", "thread_name"},
        {"pid", m_pid},
        {"tid", tid},
        {"args", {{"name", name}}}});
  emit({{"ph", "M"},
        {"name", "thread_sort_index"},
        {"pid", m_pid},
        {"tid", tid},
        {"args", {{"sort_index", tid}}}});
  return tid;
}

int TraceEventWriter::track(const std::string& name) const {
  auto it = m_tracks.find(name);
  if (it == m_tracks.end()) throw std::out_of_range("trace: unknown track '" + name + "'");
  return it->second;
}

void TraceEventWriter::check_time(double v, const char* what) {
  if (!std::isfinite(v) || v < 0)
    throw std::invalid_argument(std::string("trace: ") + what + " must be finite and >= 0");
}

void TraceEventWriter::complete(int tid, const std::string& name, double ts_us, double dur_us,
                                const nlohmann::json& args, const std::string& category) {
  check_time(ts_us, "ts");
  check_time(dur_us, "dur");
  nlohmann::json ev = {{"ph", "X"},  {"name", name}, {"pid", m_pid},
                       {"tid", tid}, {"ts", ts_us},  {"dur", dur_us}};
  if (!category.empty()) ev["cat"] = category;
  if (!args.is_null()) ev["args"] = args;
  emit(ev);
}

void TraceEventWriter::counter(const std::string& name, double ts_us,
                               const std::vector<std::pair<std::string, double>>& values) {
  check_time(ts_us, "ts");
  nlohmann::json a = nlohmann::json::object();
  for (const auto& [k, v] : values) {
    if (!std::isfinite(v)) throw std::invalid_argument("trace: counter value must be finite");
    a[k] = v;
  }
  emit({{"ph", "C"}, {"name", name}, {"pid", m_pid}, {"tid", 0}, {"ts", ts_us}, {"args", a}});
}

void TraceEventWriter::emit(const nlohmann::json& ev) {
  if (m_closed) throw std::logic_error("trace: event after close()");
  if (m_events != 0) *m_os << ",\n";
  *m_os << ev.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  ++m_events;
}

void TraceEventWriter::close() {
  if (m_closed) return;
  *m_os << "\n]}\n";
  m_os->flush();
  m_closed = true;
  if (m_file) {
    m_file->close();
    // A full disk or a file-size limit: the file is incomplete.
    if (!*m_file) throw std::runtime_error("cannot write trace file: the write failed (disk full?)");
  } else if (!*m_os) {
    throw std::runtime_error("cannot write trace file: the stream failed");
  }
}

}  // namespace lpsim::traces
