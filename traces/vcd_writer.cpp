// Streaming VCD writer (IEEE 1364-2005 §18): header, $dumpvars, change-only value dumps.
#include "traces/vcd_writer.hpp"

#include <cctype>
#include <cmath>
#include <ctime>
#include <stdexcept>

namespace lpsim::traces {
namespace {

// Identifier codes: base-94 numbers over the printable characters '!'..'~'.
std::string id_code(std::size_t n) {
  std::string s;
  do {
    s += static_cast<char>('!' + n % 94);
    n /= 94;
  } while (n != 0);
  return s;
}

std::string clean_name(const std::string& name) {
  if (name.empty()) throw std::invalid_argument("vcd: empty scope or signal name");
  std::string s = name;
  for (char& c : s)
    if (std::isspace(static_cast<unsigned char>(c)) || !std::isprint(static_cast<unsigned char>(c)))
      c = '_';
  return s;
}

bool whole(double v) {
  return std::fabs(v - std::round(v)) < 1e-9 * std::max(1.0, std::fabs(v));
}

}  // namespace

std::string VcdWriter::timescale_for(double period_ns, std::uint64_t* ticks_per_cycle) {
  if (!(period_ns > 0) || !std::isfinite(period_ns))
    throw std::invalid_argument("vcd: clock period must be > 0 ns");
  const char* unit = "1 fs";
  double ticks = period_ns * 1e6;
  if (whole(period_ns)) {
    unit = "1 ns";
    ticks = period_ns;
  } else if (whole(period_ns * 1e3)) {
    unit = "1 ps";
    ticks = period_ns * 1e3;
  }
  if (ticks_per_cycle) *ticks_per_cycle = static_cast<std::uint64_t>(std::llround(ticks));
  return unit;
}

VcdWriter::VcdWriter(std::ostream& os, VcdOptions opt) : m_os(&os), m_opt(std::move(opt)) {
  m_timescale = timescale_for(m_opt.clock_period_ns, &m_ticks_per_cycle);
}

VcdWriter::VcdWriter(const std::string& path, VcdOptions opt)
    : m_file(std::make_unique<std::ofstream>(path, std::ios::binary)),
      m_os(m_file.get()),
      m_opt(std::move(opt)) {
  if (!*m_file) throw std::runtime_error("cannot write VCD file '" + path + "'");
  m_timescale = timescale_for(m_opt.clock_period_ns, &m_ticks_per_cycle);
}

VcdWriter::~VcdWriter() {
  try {
    close();
  } catch (...) {  // a destructor must not throw; close() explicitly to see errors
  }
}

void VcdWriter::push_scope(const std::string& name) {
  if (m_header_done) throw std::logic_error("vcd: scope '" + name + "' declared after the header");
  m_defs += "$scope module " + clean_name(name) + " $end\n";
  ++m_depth;
}

void VcdWriter::pop_scope() {
  if (m_header_done) throw std::logic_error("vcd: pop_scope after the header");
  if (m_depth == 0) throw std::logic_error("vcd: pop_scope without push_scope");
  m_defs += "$upscope $end\n";
  --m_depth;
}

VcdWriter::Signal VcdWriter::add(const std::string& kind, const std::string& name, unsigned width,
                                 std::uint64_t initial, double rinitial) {
  if (m_header_done) throw std::logic_error("vcd: signal '" + name + "' declared after the header");
  Sig s;
  s.id = id_code(m_sigs.size());
  s.width = width;
  s.value = s.written = initial;
  s.rvalue = s.rwritten = rinitial;
  m_defs += "$var " + kind + " " + std::to_string(width == 0 ? 64 : width) + " " + s.id + " " +
            clean_name(name) + " $end\n";
  m_sigs.push_back(s);
  return m_sigs.size() - 1;
}

VcdWriter::Signal VcdWriter::add_wire(const std::string& name, unsigned width,
                                      std::uint64_t initial) {
  if (width < 1 || width > 64)
    throw std::invalid_argument("vcd: width of '" + name + "' not 1..64");
  if (width < 64 && (initial >> width) != 0)
    throw std::invalid_argument("vcd: initial value of '" + name + "' wider than the signal");
  return add("wire", name, width, initial, 0);
}

VcdWriter::Signal VcdWriter::add_reg(const std::string& name, unsigned width,
                                     std::uint64_t initial) {
  if (width < 1 || width > 64)
    throw std::invalid_argument("vcd: width of '" + name + "' not 1..64");
  if (width < 64 && (initial >> width) != 0)
    throw std::invalid_argument("vcd: initial value of '" + name + "' wider than the signal");
  return add("reg", name, width, initial, 0);
}

VcdWriter::Signal VcdWriter::add_real(const std::string& name, double initial) {
  return add("real", name, 0, 0, initial);
}

VcdWriter::Sig& VcdWriter::sig(Signal s) {
  if (s >= m_sigs.size()) throw std::invalid_argument("vcd: unknown signal handle");
  return m_sigs[s];
}

void VcdWriter::set(Signal s, std::uint64_t value) {
  if (m_closed) throw std::logic_error("vcd: set() after close()");
  Sig& g = sig(s);
  if (g.width == 0) throw std::invalid_argument("vcd: set() on a real signal; use set_real()");
  if (g.width < 64 && (value >> g.width) != 0)
    throw std::invalid_argument("vcd: value " + std::to_string(value) + " wider than " +
                                std::to_string(g.width) + " bits");
  g.value = value;
  if (!g.dirty) {
    g.dirty = true;
    m_dirty.push_back(s);
  }
}

void VcdWriter::set_real(Signal s, double value) {
  if (m_closed) throw std::logic_error("vcd: set_real() after close()");
  Sig& g = sig(s);
  if (g.width != 0) throw std::invalid_argument("vcd: set_real() on an integer signal");
  g.rvalue = value;
  if (!g.dirty) {
    g.dirty = true;
    m_dirty.push_back(s);
  }
}

void VcdWriter::set_time(std::uint64_t ticks) {
  if (m_closed) throw std::logic_error("vcd: set_time() after close()");
  if (ticks < m_time)
    throw std::invalid_argument("vcd: time goes back from " + std::to_string(m_time) + " to " +
                                std::to_string(ticks));
  if (ticks == m_time) return;
  flush();
  m_time = ticks;
}

void VcdWriter::header() {
  if (m_header_done) return;
  if (m_depth != 0) throw std::logic_error("vcd: unbalanced scopes at the end of the header");
  std::string date = m_opt.date;
  if (date.empty()) {
    const std::time_t now = std::time(nullptr);
    char b[64];
    std::strftime(b, sizeof b, "%a %b %d %H:%M:%S %Y", std::localtime(&now));
    date = b;
  }
  std::ostream& os = *m_os;
  os << "$date\n  " << date << "\n$end\n";
  os << "$version\n  " << m_opt.version << "\n$end\n";
  os << "$timescale " << m_timescale << " $end\n";
  os << m_defs << "$enddefinitions $end\n";
  m_defs.clear();
  m_header_done = true;
}

void VcdWriter::write_value(const Sig& s) {
  std::ostream& os = *m_os;
  if (s.width == 0) {
    char b[40];
    std::snprintf(b, sizeof b, "r%.17g ", s.rvalue);
    os << b << s.id << '\n';
  } else if (s.width == 1) {
    os << (s.value ? '1' : '0') << s.id << '\n';
  } else {
    char b[66];
    int n = 0;
    int top = 63;
    while (top > 0 && ((s.value >> top) & 1u) == 0) --top;  // leading zeros are implied
    for (int i = top; i >= 0; --i) b[n++] = ((s.value >> i) & 1u) ? '1' : '0';
    b[n] = 0;
    os << 'b' << b << ' ' << s.id << '\n';
  }
}

void VcdWriter::flush() {
  header();
  std::ostream& os = *m_os;
  if (!m_initial_done) {
    os << '#' << m_time << "\n$dumpvars\n";
    for (auto& s : m_sigs) {
      s.written = s.value;
      s.rwritten = s.rvalue;
      s.dirty = false;
      write_value(s);
    }
    os << "$end\n";
    m_dirty.clear();
    m_initial_done = true;
    m_any_stamp = true;
    m_last_stamp = m_time;
    return;
  }
  bool stamped = m_any_stamp && m_last_stamp == m_time;
  for (Signal i : m_dirty) {
    Sig& s = m_sigs[i];
    s.dirty = false;
    const bool changed =
        s.width == 0 ? !(s.rvalue == s.rwritten || (std::isnan(s.rvalue) && std::isnan(s.rwritten)))
                     : s.value != s.written;
    if (!changed) continue;
    if (!stamped) {
      os << '#' << m_time << '\n';
      stamped = true;
      m_any_stamp = true;
      m_last_stamp = m_time;
    }
    s.written = s.value;
    s.rwritten = s.rvalue;
    write_value(s);
  }
  m_dirty.clear();
}

void VcdWriter::close() {
  if (m_closed) return;
  flush();
  if (!m_any_stamp || m_last_stamp != m_time) *m_os << '#' << m_time << '\n';
  m_os->flush();
  m_closed = true;
  if (m_file) {
    m_file->close();
    // A full disk or a file-size limit: the file is incomplete.
    if (!*m_file) throw std::runtime_error("cannot write VCD file: the write failed (disk full?)");
  } else if (!*m_os) {
    throw std::runtime_error("cannot write VCD file: the stream failed");
  }
}

}  // namespace lpsim::traces
