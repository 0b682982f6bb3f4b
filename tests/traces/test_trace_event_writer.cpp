// TraceEventWriter: valid trace-event JSON with named block tracks, complete and counter events.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "tool_helpers.hpp"
#include "traces/trace_event_writer.hpp"

namespace lpsim::traces {
namespace {

using nlohmann::json;

TEST(TraceEventWriter, StructureTracksAndEvents) {
  std::ostringstream os;
  {
    TraceEventWriter w(os, "lpsim run", 7);
    w.add_standard_tracks();
    EXPECT_EQ(w.track("controller"), 1);
    EXPECT_EQ(w.track("ppu"), 4);
    w.complete("dma", "load W tile 0", 0.0, cycles_to_us(100, 2.0), {{"bytes", 4096}});
    w.complete(w.track("array"), "tile 0", 0.2, 0.5, nullptr, "compute");
    w.complete("ppu", "tile \"0\"\n<x>", 0.7, 0.001);
    w.counter("energy_pj", 0.7, {{"pe_mac", 12.5}, {"sram", 3.0}});
    EXPECT_THROW(w.add_track("dma"), std::invalid_argument);
    EXPECT_THROW(w.track("gpu"), std::out_of_range);
    EXPECT_THROW(w.complete(1, "bad", -1, 1), std::invalid_argument);
    EXPECT_THROW(w.complete(1, "bad", 0, NAN), std::invalid_argument);
    EXPECT_EQ(w.events(), 1u + 8u + 4u);
  }
  const json j = json::parse(os.str());
  EXPECT_EQ(j.at("displayTimeUnit"), "ns");
  const json& ev = j.at("traceEvents");
  ASSERT_TRUE(ev.is_array());
  ASSERT_EQ(ev.size(), 13u);
  EXPECT_EQ(ev[0]["ph"], "M");
  EXPECT_EQ(ev[0]["name"], "process_name");
  EXPECT_EQ(ev[0]["args"]["name"], "lpsim run");
  std::map<int, std::string> names;
  int x = 0, c = 0;
  for (const auto& e : ev) {
    EXPECT_EQ(e.at("pid"), 7);
    const std::string ph = e.at("ph");
    if (ph == "M" && e["name"] == "thread_name") names[e["tid"]] = e["args"]["name"];
    if (ph == "X") {
      ++x;
      EXPECT_TRUE(e.at("ts").is_number());
      EXPECT_TRUE(e.at("dur").is_number());
      EXPECT_TRUE(names.count(e.at("tid"))) << "event on an unnamed track";
    }
    if (ph == "C") {
      ++c;
      EXPECT_EQ(e["args"]["pe_mac"], 12.5);
    }
  }
  EXPECT_EQ(x, 3);
  EXPECT_EQ(c, 1);
  EXPECT_EQ(names,
            (std::map<int, std::string>{{1, "controller"}, {2, "dma"}, {3, "array"}, {4, "ppu"}}));
  EXPECT_DOUBLE_EQ(ev[9]["dur"].get<double>(), 0.2);  // 100 cycles x 2 ns
  EXPECT_EQ(ev[9]["args"]["bytes"], 4096);
  EXPECT_EQ(ev[10]["cat"], "compute");
  EXPECT_EQ(ev[11]["name"], "tile \"0\"\n<x>");  // escaped and read back
  EXPECT_DOUBLE_EQ(ev[11]["dur"].get<double>(), 0.001);
}

TEST(TraceEventWriter, StreamsALargeTraceToAFile) {
  const auto dir = test::fresh_dir("trace");
  const auto path = (dir / "t.json").string();
  const int n = 100000;
  {
    TraceEventWriter w(path, "lpsim");
    w.add_standard_tracks();
    for (int i = 0; i < n; ++i) w.complete("array", "tile", i * 0.5, 0.4, {{"i", i}});
    w.close();
    EXPECT_THROW(w.complete("array", "late", 0, 1), std::logic_error);
  }
  const json j = json::parse(test::slurp(path));
  EXPECT_EQ(j["traceEvents"].size(), 1u + 8u + n);
  EXPECT_EQ(j["traceEvents"].back()["args"]["i"], n - 1);
  std::filesystem::remove_all(dir);
  EXPECT_THROW(TraceEventWriter("/nonexistent/dir/t.json", "x"), std::runtime_error);
}

TEST(TraceEventWriter, EmptyTraceIsValid) {
  std::ostringstream os;
  { TraceEventWriter w(os); }
  const json j = json::parse(os.str());
  EXPECT_EQ(j["traceEvents"].size(), 1u);
}

}  // namespace
}  // namespace lpsim::traces
