// Streaming VCD (IEEE 1364 value change dump) writer: scopes, wires/regs/reals, changes only.
#pragma once

#include <cstdint>
#include <fstream>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace lpsim::traces {

struct VcdOptions {
  double clock_period_ns = 2.0;  // chooses the timescale (see VcdWriter::timescale_for)
  std::string date;              // $date text; empty = the current local time
  std::string version = "lpsim VcdWriter";
};

// Usage: declare scopes and signals, then set_time()/set_cycle() and set() in time order;
// close() (or the destructor) ends the dump. The header and $dumpvars (the values at the first
// time) are written when time first advances or at close(). Afterwards only values that differ
// from the last written value are dumped, once per timestamp (the last set() wins), and a
// timestamp is written only when something changed.
// Misuse (time going back, declaring after the header, a value wider than its signal, an
// unknown signal, unbalanced scopes) throws std::logic_error / std::invalid_argument.
class VcdWriter {
 public:
  using Signal = std::size_t;

  VcdWriter(std::ostream& os, VcdOptions opt = {});
  // Writes to `path`; throws std::runtime_error naming the path when it cannot be opened.
  VcdWriter(const std::string& path, VcdOptions opt);
  ~VcdWriter();
  VcdWriter(const VcdWriter&) = delete;
  VcdWriter& operator=(const VcdWriter&) = delete;

  // Timescale for a clock period: "1 ns" when the period is a whole number of ns, else "1 ps"
  // when it is a whole number of ps, else "1 fs"; `ticks_per_cycle` receives the period in it.
  static std::string timescale_for(double period_ns, std::uint64_t* ticks_per_cycle);
  const std::string& timescale() const { return m_timescale; }
  std::uint64_t ticks_per_cycle() const { return m_ticks_per_cycle; }

  void push_scope(const std::string& name);  // $scope module <name>
  void pop_scope();
  // width 1..64; `initial` is the value until the first set().
  Signal add_wire(const std::string& name, unsigned width, std::uint64_t initial = 0);
  Signal add_reg(const std::string& name, unsigned width, std::uint64_t initial = 0);
  Signal add_real(const std::string& name, double initial = 0.0);

  void set(Signal s, std::uint64_t value);  // integer signals
  void set_real(Signal s, double value);    // real signals
  void set_time(std::uint64_t ticks);       // in timescale units; never decreasing
  void set_cycle(std::uint64_t cycle) { set_time(cycle * m_ticks_per_cycle); }
  std::uint64_t time() const { return m_time; }

  // Writes the pending changes and a final timestamp at the current time; idempotent.
  void close();

 private:
  struct Sig {
    std::string id;
    unsigned width = 1;  // 0 = real
    std::uint64_t value = 0, written = 0;
    double rvalue = 0, rwritten = 0;
    bool dirty = false;
  };
  Signal add(const std::string& kind, const std::string& name, unsigned width,
             std::uint64_t initial, double rinitial);
  void header();
  void flush();
  void write_value(const Sig& s);
  Sig& sig(Signal s);

  std::unique_ptr<std::ofstream> m_file;
  std::ostream* m_os;
  VcdOptions m_opt;
  std::string m_timescale;
  std::uint64_t m_ticks_per_cycle = 1;
  std::string m_defs;  // declarations until the header is written
  int m_depth = 0;
  bool m_header_done = false, m_initial_done = false, m_closed = false;
  std::uint64_t m_time = 0;
  std::uint64_t m_last_stamp = 0;
  bool m_any_stamp = false;
  std::vector<Sig> m_sigs;
  std::vector<Signal> m_dirty;
};

}  // namespace lpsim::traces
