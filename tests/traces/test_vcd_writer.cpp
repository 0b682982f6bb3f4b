// VcdWriter: header, $dumpvars, change-only dumps, time checks; GTKWave reads what we write.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <sstream>

#include "tool_helpers.hpp"
#include "traces/vcd_writer.hpp"

namespace lpsim::traces {
namespace {

// A small independent VCD reader: the value of every signal (by hierarchical name) over time.
struct ParsedVcd {
  std::string timescale, date, version;
  std::map<std::string, unsigned> width;                                // name -> width
  std::map<std::string, std::map<std::uint64_t, std::string>> changes;  // name -> time -> value
  std::vector<std::uint64_t> times;  // every #time, in file order
  std::size_t change_lines = 0;      // value lines after $dumpvars
  bool dumpvars = false;

  // Value of `name` at time t (last change at or before t); "" if none.
  std::string at(const std::string& name, std::uint64_t t) const {
    const auto& c = changes.at(name);
    auto it = c.upper_bound(t);
    if (it == c.begin()) return "";
    return std::prev(it)->second;
  }
  std::uint64_t uint_at(const std::string& name, std::uint64_t t) const {
    return std::stoull(at(name, t), nullptr, 2);
  }
};

ParsedVcd parse_vcd(const std::string& text) {
  ParsedVcd v;
  std::istringstream in(text);
  std::vector<std::string> scope;
  std::map<std::string, std::vector<std::string>> names;  // id -> names
  std::string tok;
  std::uint64_t now = 0;
  bool in_dumpvars = false;
  auto read_until_end = [&]() {
    std::string s, w;
    while (in >> w && w != "$end") s += (s.empty() ? "" : " ") + w;
    return s;
  };
  auto record = [&](const std::string& id, const std::string& val) {
    auto it = names.find(id);
    if (it == names.end()) throw std::runtime_error("vcd: unknown id " + id);
    for (const auto& n : it->second) v.changes[n][now] = val;
    if (!in_dumpvars) ++v.change_lines;
  };
  while (in >> tok) {
    if (tok == "$date")
      v.date = read_until_end();
    else if (tok == "$version")
      v.version = read_until_end();
    else if (tok == "$timescale")
      v.timescale = read_until_end();
    else if (tok == "$scope") {
      std::string kind, name;
      in >> kind >> name;
      read_until_end();
      scope.push_back(name);
    } else if (tok == "$upscope") {
      read_until_end();
      scope.pop_back();
    } else if (tok == "$var") {
      std::string kind, id, name;
      unsigned w = 0;
      in >> kind >> w >> id >> name;
      read_until_end();  // an optional bit range, then $end
      std::string full;
      for (const auto& s : scope) full += s + ".";
      full += name;
      names[id].push_back(full);
      v.width[full] = w;
    } else if (tok == "$enddefinitions" || tok == "$comment") {
      read_until_end();
    } else if (tok == "$dumpvars") {
      in_dumpvars = true;
      v.dumpvars = true;
    } else if (tok == "$end") {
      in_dumpvars = false;
    } else if (tok[0] == '#') {
      now = std::stoull(tok.substr(1));
      v.times.push_back(now);
    } else if (tok[0] == 'b' || tok[0] == 'B' || tok[0] == 'r' || tok[0] == 'R') {
      std::string id;
      in >> id;
      record(id, tok.substr(1));
    } else if (tok[0] == '0' || tok[0] == '1' || tok[0] == 'x' || tok[0] == 'z') {
      record(tok.substr(1), tok.substr(0, 1));
    } else {
      throw std::runtime_error("vcd: unexpected token " + tok);
    }
  }
  return v;
}

// The reference waveform the tests write: a clock, a counter, a state, a valid, a real.
struct Wave {
  std::string text;
  std::vector<std::uint64_t> count, state;
  std::vector<double> power;
};

Wave write_wave(int cycles, double period_ns = 2.0) {
  std::ostringstream os;
  VcdOptions o;
  o.clock_period_ns = period_ns;
  o.date = "fixed date";
  Wave w;
  {
    VcdWriter v(os, o);
    v.push_scope("lpa");
    const auto clk = v.add_wire("clk", 1);
    v.push_scope("array");
    const auto cnt = v.add_reg("cycle count", 32);  // space becomes '_'
    const auto st = v.add_reg("state", 3, 5);
    v.pop_scope();
    v.push_scope("ppu");
    const auto valid = v.add_wire("valid", 1);
    const auto pw = v.add_real("power_mw", 1.5);
    v.pop_scope();
    v.pop_scope();
    for (int c = 0; c < cycles; ++c) {
      v.set_cycle(c);
      v.set(clk, 1);
      v.set(cnt, static_cast<std::uint64_t>(c / 3));  // changes every third cycle only
      v.set(st, c < 2 ? 5u : static_cast<std::uint64_t>((c / 4) % 8));
      v.set(valid, 0);
      v.set(valid, (c % 5) == 4 ? 1u : 0u);  // the last set at a time wins
      v.set_real(pw, 1.5 + 0.25 * (c / 7));
      v.set_time(c * v.ticks_per_cycle() + v.ticks_per_cycle() / 2);
      v.set(clk, 0);
      w.count.push_back(static_cast<std::uint64_t>(c / 3));
      w.state.push_back(c < 2 ? 5u : static_cast<std::uint64_t>((c / 4) % 8));
      w.power.push_back(1.5 + 0.25 * (c / 7));
    }
    v.set_cycle(cycles);
    v.close();
    v.close();  // idempotent
  }
  w.text = os.str();
  return w;
}

void check_wave(const ParsedVcd& p, const Wave& w, std::uint64_t ticks, bool exact_changes) {
  ASSERT_TRUE(p.changes.count("lpa.array.cycle_count")) << "signals: " << p.changes.size();
  EXPECT_EQ(p.width.at("lpa.array.cycle_count"), 32u);
  EXPECT_EQ(p.width.at("lpa.array.state"), 3u);
  EXPECT_EQ(p.width.at("lpa.clk"), 1u);
  for (std::size_t c = 0; c < w.count.size(); ++c) {
    const std::uint64_t t = c * ticks;
    EXPECT_EQ(p.uint_at("lpa.clk", t), 1u) << c;
    EXPECT_EQ(p.uint_at("lpa.clk", t + ticks / 2), 0u) << c;
    EXPECT_EQ(p.uint_at("lpa.array.cycle_count", t), w.count[c]) << c;
    EXPECT_EQ(p.uint_at("lpa.array.state", t), w.state[c]) << c;
    EXPECT_EQ(p.uint_at("lpa.ppu.valid", t), (c % 5) == 4 ? 1u : 0u) << c;
    EXPECT_DOUBLE_EQ(std::stod(p.at("lpa.ppu.power_mw", t)), w.power[c]) << c;
  }
  for (std::size_t i = 1; i < p.times.size(); ++i) EXPECT_LT(p.times[i - 1], p.times[i]);
  if (exact_changes) {
    // Only changes: clk 2 per cycle (minus the initial), counter/state/valid/real when different.
    std::size_t expect = 2 * w.count.size() - 1;
    for (std::size_t c = 1; c < w.count.size(); ++c) {
      expect += w.count[c] != w.count[c - 1];
      expect += w.state[c] != w.state[c - 1];
      expect += w.power[c] != w.power[c - 1];
      expect += ((c % 5) == 4) != (((c - 1) % 5) == 4);
    }
    EXPECT_EQ(p.change_lines, expect);
  }
}

TEST(VcdWriter, HeaderDumpvarsAndChangesOnly) {
  const Wave w = write_wave(40);
  const ParsedVcd p = parse_vcd(w.text);
  EXPECT_EQ(p.timescale, "1 ns");
  EXPECT_EQ(p.date, "fixed date");
  EXPECT_EQ(p.version, "lpsim VcdWriter");
  EXPECT_TRUE(p.dumpvars);
  EXPECT_EQ(p.times.front(), 0u);
  EXPECT_EQ(p.times.back(), 80u);  // close() stamps the end time
  EXPECT_NE(w.text.find("$var reg 32 "), std::string::npos);
  EXPECT_NE(w.text.find("$var real 64 "), std::string::npos);
  EXPECT_NE(w.text.find("$dumpvars\n"), std::string::npos);
  check_wave(p, w, 2, true);
}

TEST(VcdWriter, InitialValuesAndNoStampWithoutChange) {
  std::ostringstream os;
  VcdOptions o;
  o.date = "d";
  {
    VcdWriter v(os, o);
    const auto a = v.add_wire("a", 4, 9);
    const auto r = v.add_real("r", -2.5);
    v.set_time(10);  // dumpvars at 0 with the initial values
    v.set(a, 9);     // no change: nothing written, no #10
    v.set_real(r, -2.5);
    v.set_time(20);
    v.set(a, 3);
    v.close();
  }
  const std::string t = os.str();
  EXPECT_NE(t.find("#0\n$dumpvars\nb1001 !\nr-2.5 \"\n$end\n#20\nb11 !\n"), std::string::npos) << t;
  EXPECT_EQ(t.find("#10"), std::string::npos) << t;
}

TEST(VcdWriter, TimescaleFromClockPeriod) {
  std::uint64_t ticks = 0;
  EXPECT_EQ(VcdWriter::timescale_for(2.0, &ticks), "1 ns");
  EXPECT_EQ(ticks, 2u);
  EXPECT_EQ(VcdWriter::timescale_for(1.25, &ticks), "1 ps");
  EXPECT_EQ(ticks, 1250u);
  EXPECT_EQ(VcdWriter::timescale_for(0.001, &ticks), "1 ps");
  EXPECT_EQ(ticks, 1u);
  EXPECT_EQ(VcdWriter::timescale_for(1.0 / 3.0, &ticks), "1 fs");
  EXPECT_EQ(ticks, 333333u);
  EXPECT_THROW(VcdWriter::timescale_for(0, &ticks), std::invalid_argument);
  EXPECT_THROW(VcdWriter::timescale_for(-1, &ticks), std::invalid_argument);
  const Wave w = write_wave(10, 1.25);
  const ParsedVcd p = parse_vcd(w.text);
  EXPECT_EQ(p.timescale, "1 ps");
  check_wave(p, w, 1250, true);
}

TEST(VcdWriter, MisuseIsRejected) {
  std::ostringstream os;
  VcdWriter v(os, VcdOptions{});
  v.push_scope("top");
  const auto a = v.add_wire("a", 2);
  const auto r = v.add_real("r");
  EXPECT_THROW(v.add_wire("wide", 65), std::invalid_argument);
  EXPECT_THROW(v.add_reg("zero", 0), std::invalid_argument);
  EXPECT_THROW(v.add_wire("init", 2, 4), std::invalid_argument);
  EXPECT_THROW(v.add_wire("", 1), std::invalid_argument);
  EXPECT_THROW(v.set_time(5), std::logic_error);  // scope still open at the header
  v.pop_scope();
  EXPECT_THROW(v.pop_scope(), std::logic_error);
  EXPECT_THROW(v.set(a, 4), std::invalid_argument);  // wider than 2 bits
  EXPECT_THROW(v.set(r, 1), std::invalid_argument);
  EXPECT_THROW(v.set_real(a, 1.0), std::invalid_argument);
  EXPECT_THROW(v.set(99, 1), std::invalid_argument);
  v.set_time(5);
  EXPECT_THROW(v.set_time(4), std::invalid_argument);  // back in time
  EXPECT_THROW(v.add_wire("late", 1), std::logic_error);
  EXPECT_THROW(v.push_scope("late"), std::logic_error);
  v.set_time(5);  // same time is fine
  v.close();
  EXPECT_THROW(v.set(a, 1), std::logic_error);
  EXPECT_THROW(VcdWriter("/nonexistent/dir/x.vcd", VcdOptions{}), std::runtime_error);
}

TEST(VcdWriter, GtkwaveVcd2fstAcceptsItAndReadsTheSameValues) {
  LPSIM_REQUIRE_TOOL("/usr/bin/vcd2fst");
  LPSIM_REQUIRE_TOOL("/usr/bin/fst2vcd");
  const auto dir = test::fresh_dir("vcd");
  const Wave w = write_wave(200);
  { std::ofstream(dir / "w.vcd", std::ios::binary) << w.text; }
  const auto vcd = (dir / "w.vcd").string(), fst = (dir / "w.fst").string(),
             back = (dir / "back.vcd").string(), log = (dir / "log.txt").string();
  ASSERT_EQ(test::run("vcd2fst " + test::quote(vcd) + " " + test::quote(fst) + " >" +
                      test::quote(log) + " 2>&1"),
            0)
      << test::slurp(log);
  const std::string msgs = test::slurp(log);
  EXPECT_EQ(msgs.find("rror"), std::string::npos) << msgs;
  EXPECT_EQ(msgs.find("arning"), std::string::npos) << msgs;
  ASSERT_GT(std::filesystem::file_size(fst), 0u);
  ASSERT_EQ(test::run("fst2vcd -o " + test::quote(back) + " " + test::quote(fst) + " >" +
                      test::quote(log) + " 2>&1"),
            0)
      << test::slurp(log);
  const ParsedVcd p = parse_vcd(test::slurp(back));
  check_wave(p, w, 2, false);  // GTKWave's own dump of our values
  std::filesystem::remove_all(dir);
}

TEST(VcdWriter, WritesToAFile) {
  const auto dir = test::fresh_dir("vcdfile");
  const auto path = (dir / "t.vcd").string();
  {
    VcdWriter v(path, VcdOptions{});
    const auto s = v.add_wire("s", 8);
    for (int i = 0; i < 100; ++i) {
      v.set_cycle(i);
      v.set(s, static_cast<std::uint64_t>(i));
    }
  }  // the destructor closes
  const ParsedVcd p = parse_vcd(test::slurp(path));
  EXPECT_EQ(p.uint_at("s", 2 * 99), 99u);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace lpsim::traces
