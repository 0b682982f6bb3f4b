// `lpsim sweep` end to end (the real binary): results.csv's columns and values (equal to
// `lpsim run` of the same point), byte-identical results for any --jobs, resume after a real
// kill, a failing point as a row, the sweep directory's safety rules, report.html in headless
// Chromium, --plan / --shard / merge, and the generated GNU parallel script.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "run_command.hpp"
#include "tests/traces/tool_helpers.hpp"

extern char** environ;

namespace lpsim::test {
namespace {

namespace fs = std::filesystem;
namespace tt = lpsim::traces::test;

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

std::size_t lines(const std::string& s) {
  return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n'));
}

const char* const kBase =
    "model: resnet18\nzoo: {input_size: 32, width_divisor: 8, max_blocks: 1, num_classes: 10}\n"
    "accelerator: {rows: 8, cols: 8}\n";

// The same in tile fidelity (values computed and checked; about 30 ms a point).
const char* const kTileBase =
    "model: resnet18\nzoo: {input_size: 32, width_divisor: 8, max_blocks: 1, num_classes: 10}\n"
    "accelerator: {rows: 8, cols: 8, fidelity: tile}\n";

// 16 points of the reduced ResNet-18 (analytic, the sweeps' default fidelity).
const char* const kSweep =
    "base: base.yaml\naxes:\n  accelerator.rows: [4, 8, 16]\n  accelerator.cols: [4, 8, 16]\n"
    "  accelerator.dataflow: [ws, os]\nwhere: accelerator.rows * accelerator.cols <= 128\n";

class SweepCli : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    m_dir = fs::temp_directory_path() /
            ("lpsim-sweepcli-" + std::string(info->name()) + "-" + std::to_string(::getpid()));
    fs::remove_all(m_dir);
    fs::create_directories(m_dir);
    write("base.yaml", kBase);
    write("tile.yaml", kTileBase);
    write("s.yaml", kSweep);
  }
  void TearDown() override { fs::remove_all(m_dir); }
  std::string write(const std::string& name, const std::string& text) {
    std::ofstream(m_dir / name) << text;
    return (m_dir / name).string();
  }
  std::string p(const std::string& name) const { return (m_dir / name).string(); }
  CommandResult sweep(const std::string& args) { return run_lpsim("sweep " + args); }
  fs::path m_dir;
};

const std::string kHeader =
    "accelerator.rows,accelerator.cols,accelerator.dataflow,status,total_cycles,latency_ms,"
    "energy_pj,tops_per_w,tops_per_mm2,area_mm2,utilization,dram_bytes,verified\n";

TEST_F(SweepCli, ResultsMatchRunAndAreIdenticalForAnyJobs) {
  const CommandResult a = sweep(p("s.yaml") + " -q -j 1 --out " + p("a"));
  ASSERT_EQ(a.exit_code, 0) << a.err;
  EXPECT_EQ(a.err, "");
  EXPECT_NE(a.out.find("sweep: s, 16 points (16 ok, 0 failed); 16 evaluated now with 1 worker"),
            std::string::npos)
      << a.out;
  const std::string csv = slurp(m_dir / "a" / "results.csv");
  ASSERT_EQ(csv.compare(0, kHeader.size(), kHeader), 0) << csv;
  EXPECT_EQ(lines(csv), 17u);
  for (const std::string j : {"2", "3"}) {
    const CommandResult b = sweep(p("s.yaml") + " -q -j " + j + " --out " + p("b" + j));
    ASSERT_EQ(b.exit_code, 0) << b.err;
    EXPECT_EQ(slurp(m_dir / ("b" + j) / "results.csv"), csv) << "--jobs " << j;
    EXPECT_EQ(slurp(m_dir / ("b" + j) / "report.html"), slurp(m_dir / "a" / "report.html"));
  }
  // Point 9 (rows 8, cols 8, os) equals `lpsim run` with the same --set.
  const CommandResult r = run_lpsim("run " + p("base.yaml") + " -q -o " + p("run") +
                                    " --set accelerator.rows=8 --set accelerator.cols=8 "
                                    "--set accelerator.dataflow=os");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json s = nlohmann::json::parse(slurp(m_dir / "run" / "summary.json"));
  std::istringstream in(csv);
  std::string line;
  for (int i = 0; i <= 10; ++i) std::getline(in, line);
  EXPECT_EQ(
      line.rfind("8,8,os,ok," + std::to_string(s["total_cycles"].get<std::uint64_t>()) + ",", 0),
      0u)
      << line;
  EXPECT_EQ(line.back(), ',') << "analytic: verified is empty";
  ASSERT_TRUE(s["verified"].get<bool>());
  // Tile and analytic fidelity as an axis: the same numbers, values checked in tile only.
  write("fid.yaml",
        "base: base.yaml\naxes:\n  accelerator.dataflow: [ws, os, is]\n"
        "  accelerator.fidelity: [tile, analytic]\n");
  const CommandResult f = sweep(p("fid.yaml") + " -q --out " + p("fid"));
  ASSERT_EQ(f.exit_code, 0) << f.err;
  std::istringstream fin(slurp(m_dir / "fid" / "results.csv"));
  std::getline(fin, line);
  for (int i = 0; i < 3; ++i) {
    std::string tile, analytic;
    std::getline(fin, tile);
    std::getline(fin, analytic);
    ASSERT_EQ(tile.substr(tile.size() - 4), ",yes") << tile;
    ASSERT_EQ(analytic.back(), ',') << analytic;
    const auto cut = [](const std::string& l) { return l.substr(l.find(",ok,")); };
    EXPECT_EQ(cut(tile), cut(analytic) + "yes");
  }
  // points.jsonl: every point with its values and --set form.
  const std::string pts = slurp(m_dir / "a" / "points.jsonl");
  EXPECT_EQ(lines(pts), 16u);
  std::istringstream pin(pts);
  for (int i = 0; i <= 9; ++i) std::getline(pin, line);
  const nlohmann::json j = nlohmann::json::parse(line);
  EXPECT_EQ(j["point"], 9);
  EXPECT_EQ(j["values"]["accelerator.rows"], 8);
  EXPECT_EQ(j["values"]["accelerator.dataflow"], "os");
  EXPECT_EQ(j["set"][2], "accelerator.dataflow=os");
}

TEST_F(SweepCli, AFailingPointIsARowAndTheSweepGoesOn) {
  // On a 64x64 array 1 KB weight buffers cannot hold a layer's minimum tile; 64 KB can.
  write("f.yaml",
        "base: base.yaml\naxes:\n  accelerator.rows: [64]\n  accelerator.cols: [64]\n"
        "  accelerator.buffers.weight_kb: [1, 64]\n");
  const CommandResult a = sweep(p("f.yaml") + " -q --out " + p("f"));
  ASSERT_EQ(a.exit_code, 0) << a.err;
  EXPECT_NE(a.out.find("2 points (1 ok, 1 failed)"), std::string::npos) << a.out;
  const std::string csv = slurp(m_dir / "f" / "results.csv");
  std::istringstream in(csv);
  std::string header, bad, good;
  std::getline(in, header);
  std::getline(in, bad);
  std::getline(in, good);
  EXPECT_EQ(bad.rfind("64,64,1,", 0), 0u);
  EXPECT_NE(bad.find("cannot be tiled"), std::string::npos) << bad;
  EXPECT_EQ(bad.substr(bad.size() - 9), ",,,,,,,,,") << bad;
  EXPECT_EQ(good.rfind("64,64,64,ok,", 0), 0u) << good;
}

// Starts lpsim in the background; returns its pid.
pid_t spawn_lpsim(const std::vector<std::string>& args, const fs::path& log) {
  std::vector<std::string> all = {LPSIM_BIN};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, (log.string() + ".err").c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = -1;
  posix_spawn(&pid, LPSIM_BIN, &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  return pid;
}

TEST_F(SweepCli, ResumesAfterAKillWithoutLosingOrRepeatingPoints) {
  // 48 points in tile fidelity; killed once a few rows are in the journal, then run again.
  write("k.yaml",
        "base: tile.yaml\naxes:\n  accelerator.rows: [4, 8, 16, 32]\n  accelerator.cols: [4, 8, "
        "16, 32]\n"
        "  accelerator.dataflow: [ws, os, is]\n");
  const CommandResult ref = sweep(p("k.yaml") + " -q -j 2 --out " + p("ref"));
  ASSERT_EQ(ref.exit_code, 0) << ref.err;
  const std::string want = slurp(m_dir / "ref" / "results.csv");
  ASSERT_EQ(lines(want), 49u);

  for (int sig : {SIGKILL, SIGTERM, SIGINT}) {
    const fs::path out = m_dir / ("k" + std::to_string(sig));
    const pid_t pid =
        spawn_lpsim({"sweep", p("k.yaml"), "-q", "-j", "2", "--out", out.string()}, m_dir / "log");
    ASSERT_GT(pid, 0);
    const auto t0 = std::chrono::steady_clock::now();
    std::size_t rows = 0;
    while (std::chrono::steady_clock::now() - t0 < std::chrono::seconds(60)) {
      rows = lines(slurp(out / "results.journal"));
      if (rows >= 5) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ASSERT_GE(rows, 5u);
    ASSERT_EQ(::kill(pid, sig), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the sweep ended before the kill; status " << status;
    EXPECT_EQ(WTERMSIG(status), sig);
    const std::size_t done = lines(slurp(out / "results.journal"));
    ASSERT_LT(done, 48u) << "killed too late to test anything";
    // The directory is still a sweep directory; the same command finishes only the rest.
    const CommandResult again = sweep(p("k.yaml") + " -q -j 2 --out " + out.string());
    ASSERT_EQ(again.exit_code, 0) << again.err;
    EXPECT_NE(again.out.find("; " + std::to_string(48 - done) + " evaluated now"),
              std::string::npos)
        << again.out << " (journal had " << done << ")";
    EXPECT_NE(again.out.find("; " + std::to_string(done) + " were already done"), std::string::npos)
        << again.out;
    EXPECT_EQ(slurp(out / "results.csv"), want) << "signal " << sig;
    EXPECT_EQ(lines(slurp(out / "results.journal")), 48u);
  }

  // A torn last line (a kill in the middle of a write) and a corrupted line are discarded and
  // their points evaluated again.
  const fs::path out = m_dir / ("k" + std::to_string(SIGKILL));
  std::string j = slurp(out / "results.journal");
  const std::size_t second = j.find('\n') + 1, third = j.find('\n', second) + 1;
  j = j.substr(0, second) + j.substr(second, third - second - 5) + "XXXX\n" + j.substr(third);
  j += "7\t0123456789abcdef\t8,8,ws,ok,1";  // torn
  std::ofstream(out / "results.journal", std::ios::binary) << j;
  const CommandResult fix = sweep(p("k.yaml") + " -q -j 2 --out " + out.string());
  ASSERT_EQ(fix.exit_code, 0) << fix.err;
  EXPECT_NE(fix.out.find("; 1 evaluated now"), std::string::npos) << fix.out;
  EXPECT_EQ(slurp(out / "results.csv"), want);
  // Nothing to do: the files are written again, identical.
  const CommandResult none = sweep(p("k.yaml") + " -q --out " + out.string());
  ASSERT_EQ(none.exit_code, 0) << none.err;
  EXPECT_NE(none.out.find("48 points (48 ok, 0 failed); 48 were already done"), std::string::npos)
      << none.out;
  EXPECT_EQ(slurp(out / "results.csv"), want);
  // No hidden staging directory stays behind.
  for (const auto& e : fs::directory_iterator(m_dir))
    EXPECT_EQ(e.path().filename().string().find(".lpsim-staging"), std::string::npos) << e.path();
}

TEST_F(SweepCli, KeepRunsKeepsEachPointsRunOutputs) {
  write("r.yaml", "base: base.yaml\naxes:\n  accelerator.dataflow: [ws, os, is]\n");
  const CommandResult a = sweep(p("r.yaml") + " -q --keep-runs --out " + p("r"));
  ASSERT_EQ(a.exit_code, 0) << a.err;
  // Point 1 (os) equals `lpsim run` of the same configuration, file for file.
  const CommandResult r =
      run_lpsim("run " + p("base.yaml") + " -q -o " + p("run") +
                " --set accelerator.fidelity=analytic --set accelerator.dataflow=os");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* f :
       {"summary.json", "layers.csv", "effective.yaml", "energy.yaml", "report.html"})
    EXPECT_EQ(slurp(m_dir / "r" / "runs" / "1" / f), slurp(m_dir / "run" / f)) << f;
  // Every file is in the sweep's marker; the directory resumes (nothing to do) and refuses a
  // file lpsim did not write.
  const nlohmann::json marker = nlohmann::json::parse(slurp(m_dir / "r" / "lpsim-run.json"));
  std::size_t listed = 0;
  for (const auto& e : fs::recursive_directory_iterator(m_dir / "r"))
    if (e.is_regular_file() && e.path().filename() != "lpsim-run.json") {
      ++listed;
      const std::string rel = e.path().lexically_relative(m_dir / "r").string();
      EXPECT_NE(std::find(marker["files"].begin(), marker["files"].end(), rel),
                marker["files"].end())
          << rel;
    }
  EXPECT_GT(listed, 15u);
  const CommandResult again = sweep(p("r.yaml") + " -q --keep-runs --out " + p("r"));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("3 were already done"), std::string::npos) << again.out;
  std::ofstream(m_dir / "r" / "runs" / "1" / "mine.txt") << "x";
  EXPECT_EQ(sweep(p("r.yaml") + " -q --out " + p("r")).exit_code, 2);
}

TEST_F(SweepCli, NeverWritesIntoWhatItDidNotCreate) {
  fs::create_directories(m_dir / "mine");
  std::ofstream(m_dir / "mine" / "notes.txt") << "my notes\n";
  CommandResult r = sweep(p("s.yaml") + " -q --out " + p("mine"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "lpsim: error: " + p("mine") +
                       ": exists and is not an lpsim output directory; nothing was changed\n");
  EXPECT_EQ(slurp(m_dir / "mine" / "notes.txt"), "my notes\n");
  // A run's output is lpsim's, but not a sweep: refused too, untouched.
  ASSERT_EQ(run_lpsim("run " + p("base.yaml") + " -q -o " + p("run")).exit_code, 0);
  const std::string summary = slurp(m_dir / "run" / "summary.json");
  r = sweep(p("s.yaml") + " -q --out " + p("run"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "lpsim: error: " + p("run") +
                       ": is not a sweep directory (an lpsim 'run' output); nothing was changed\n");
  EXPECT_EQ(slurp(m_dir / "run" / "summary.json"), summary);
  // Another sweep's directory: refused, its rows kept.
  ASSERT_EQ(sweep(p("s.yaml") + " -q --out " + p("sw")).exit_code, 0);
  const std::string csv = slurp(m_dir / "sw" / "results.csv");
  write("other.yaml", "base: base.yaml\naxes:\n  accelerator.rows: [4, 8]\n");
  r = sweep(p("other.yaml") + " -q --out " + p("sw"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(": holds another sweep (" + p("s.yaml") +
                       ", 16 points); give another --out; nothing was changed"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(slurp(m_dir / "sw" / "results.csv"), csv);
  // A user's file added to a sweep directory: refused from then on.
  std::ofstream(m_dir / "sw" / "analysis.ipynb") << "{}";
  r = sweep(p("s.yaml") + " -q --out " + p("sw"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "lpsim: error: " + p("sw") +
                ": holds 'analysis.ipynb', which lpsim did not write; nothing was changed\n");
  // A shard's directory is not the whole sweep's.
  ASSERT_EQ(sweep(p("s.yaml") + " -q --shard 0/2 --out " + p("sh")).exit_code, 0);
  r = sweep(p("s.yaml") + " -q --out " + p("sh"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("16 points, shard 0/2); give another --out"), std::string::npos) << r.err;
}

TEST_F(SweepCli, TwoSweepsOnOneDirectory) {
  write("k.yaml",
        "base: tile.yaml\naxes:\n  accelerator.rows: [4, 8, 16, 32]\n  accelerator.cols: [4, 8, "
        "16, 32]\n"
        "  accelerator.dataflow: [ws, os, is]\n");
  const fs::path out = m_dir / "k";
  const pid_t pid =
      spawn_lpsim({"sweep", p("k.yaml"), "-q", "-j", "1", "--out", out.string()}, m_dir / "log");
  const auto t0 = std::chrono::steady_clock::now();
  while (lines(slurp(out / "results.journal")) < 1 &&
         std::chrono::steady_clock::now() - t0 < std::chrono::seconds(60))
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const CommandResult r = sweep(p("k.yaml") + " -q --out " + out.string());
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "lpsim: error: " + out.string() +
                       ": another lpsim sweep is writing it; nothing was changed\n");
  EXPECT_EQ(lines(slurp(out / "results.csv")), 49u);
}

TEST_F(SweepCli, BadArguments) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"sweep " + p("s.yaml") + " --shard 2/2",
       "lpsim: error: --shard 2/2: expected I/N with 0 <= I < N, e.g. 0/4\n"},
      {"sweep " + p("s.yaml") + " --shard x",
       "lpsim: error: --shard x: expected I/N with 0 <= I < N, e.g. 0/4\n"},
      {"sweep " + p("s.yaml") + " --jobs 5000",
       "lpsim: error: --jobs 5000: expected 1..1024 (0 = all cores)\n"},
      {"sweep " + p("s.yaml") + " --sort speed",
       "lpsim: error: --sort speed: expected one of total_cycles, latency_ms, energy_pj, "
       "tops_per_w, tops_per_mm2, "
       "area_mm2, utilization, dram_bytes\n"},
      {"sweep " + p("none.yaml"), "lpsim: error: " + p("none.yaml") + ": cannot open sweep file\n"},
      {"sweep",
       "lpsim: error: sweep: give a sweep file (lpsim sweep SWEEP.yaml) or 'merge DIR...'\n"},
      {"sweep merge " + p("nothere") + " --out " + p("m"),
       "lpsim: error: " + p("nothere") + ": is not a sweep directory (no such directory)\n"},
  };
  for (const auto& [args, want] : cases) {
    const CommandResult r = run_lpsim(args);
    EXPECT_EQ(r.exit_code, 2) << args;
    EXPECT_EQ(r.err, want) << args;
    EXPECT_EQ(r.out, "") << args;
  }
  EXPECT_FALSE(fs::exists(m_dir / "m"));
}

TEST_F(SweepCli, ShardsMergeIntoTheWholeSweep) {
  ASSERT_EQ(sweep(p("s.yaml") + " -q --out " + p("full")).exit_code, 0);
  const std::string want = slurp(m_dir / "full" / "results.csv");
  for (int i = 0; i < 3; ++i) {
    const CommandResult r = sweep(p("s.yaml") + " -q -j 1 --shard " + std::to_string(i) +
                                  "/3 --out " + p("sh" + std::to_string(i)));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(
        r.out.find(", shard " + std::to_string(i) + "/3, " + (i == 0 ? "6" : "5") + " points"),
        std::string::npos)
        << r.out;
  }
  CommandResult m =
      run_lpsim("sweep merge " + p("sh0") + " " + p("sh1") + " " + p("sh2") + " --out " + p("m"));
  ASSERT_EQ(m.exit_code, 0) << m.err;
  EXPECT_EQ(m.err, "");
  EXPECT_NE(
      m.out.find(
          "sweep merge: 3 directories, 16 of 16 points (0 failed), 0 duplicate(s), 0 missing"),
      std::string::npos)
      << m.out;
  EXPECT_EQ(slurp(m_dir / "m" / "results.csv"), want);
  EXPECT_EQ(slurp(m_dir / "m" / "report.html"), slurp(m_dir / "full" / "report.html"));
  // Idempotent: again (over its own previous output), byte for byte the same.
  const std::string report = slurp(m_dir / "m" / "report.html");
  m = run_lpsim("sweep merge " + p("sh2") + " " + p("sh0") + " " + p("sh1") + " --out " + p("m"));
  ASSERT_EQ(m.exit_code, 0) << m.err;
  EXPECT_EQ(slurp(m_dir / "m" / "results.csv"), want);
  EXPECT_EQ(slurp(m_dir / "m" / "report.html"), report);
  // A duplicate directory and a missing shard are reported; missing points exit 1.
  m = run_lpsim("sweep merge " + p("sh0") + " " + p("sh0") + " " + p("sh2") + " --out " + p("m2"));
  EXPECT_EQ(m.exit_code, 1);
  EXPECT_NE(m.out.find("11 of 16 points (0 failed), 6 duplicate(s), 5 missing"), std::string::npos)
      << m.out;
  EXPECT_NE(m.err.find("lpsim: sweep merge: point 0 is in " + p("sh0") + " and " + p("sh0") +
                       " (identical rows; kept once)"),
            std::string::npos)
      << m.err;
  EXPECT_NE(
      m.err.find("lpsim: sweep merge: missing points: 1 4 7 10 13 (run `lpsim sweep FILE --out " +
                 p("m2") + "` to evaluate them)"),
      std::string::npos)
      << m.err;
  EXPECT_EQ(lines(slurp(m_dir / "m2" / "results.csv")), 12u);
  // The merged directory is the whole sweep's: running the sweep on it fills the gaps.
  const CommandResult fill = sweep(p("s.yaml") + " -q --out " + p("m2"));
  ASSERT_EQ(fill.exit_code, 0) << fill.err;
  EXPECT_NE(fill.out.find("; 5 evaluated now"), std::string::npos) << fill.out;
  EXPECT_EQ(slurp(m_dir / "m2" / "results.csv"), want);
  // Directories of different sweeps do not merge.
  write("other.yaml", "base: base.yaml\naxes:\n  accelerator.rows: [4, 8]\n");
  ASSERT_EQ(sweep(p("other.yaml") + " -q --out " + p("o")).exit_code, 0);
  m = run_lpsim("sweep merge " + p("sh0") + " " + p("o") + " --out " + p("m3"));
  EXPECT_EQ(m.exit_code, 2);
  EXPECT_NE(m.err.find(p("o") + ": belongs to another sweep than " + p("sh0")), std::string::npos)
      << m.err;
  EXPECT_FALSE(fs::exists(m_dir / "m3"));
}

TEST_F(SweepCli, PlanWritesPointsAndReadyScripts) {
  const CommandResult r = sweep(p("s.yaml") + " --plan " + p("plan") + " --shards 4");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("sweep plan: s, 16 points in 4 shards"), std::string::npos) << r.out;
  EXPECT_EQ(lines(slurp(m_dir / "plan" / "points.jsonl")), 16u);
  const std::string slurm = slurp(m_dir / "plan" / "slurm-array.sh");
  EXPECT_NE(slurm.find("#SBATCH --array=0-3\n"), std::string::npos) << slurm;
  EXPECT_NE(slurm.find("--shard \"$SLURM_ARRAY_TASK_ID/4\""), std::string::npos) << slurm;
  EXPECT_NE(slurm.find("--jobs \"${SLURM_CPUS_PER_TASK:-${SLURM_CPUS_ON_NODE:-1}}\""),
            std::string::npos);
  EXPECT_EQ(tt::run("bash -n " + tt::quote(p("plan") + "/slurm-array.sh")), 0);
  EXPECT_EQ(tt::run("bash -n " + tt::quote(p("plan") + "/parallel.sh")), 0);
  const nlohmann::json j = nlohmann::json::parse(slurp(m_dir / "plan" / "sweep.json"));
  EXPECT_EQ(j["points"], 16);
  EXPECT_EQ(j["shards"], 4);
  // The plan directory follows the output rules: a second plan replaces it.
  EXPECT_EQ(sweep(p("s.yaml") + " --plan " + p("plan") + " --shards 2").exit_code, 0);
  EXPECT_NE(slurp(m_dir / "plan" / "slurm-array.sh").find("#SBATCH --array=0-1\n"),
            std::string::npos);
}

TEST_F(SweepCli, GnuParallelScriptRunsTheShardsAndMerges) {
  LPSIM_REQUIRE_TOOL("/usr/bin/parallel");
  ASSERT_EQ(sweep(p("s.yaml") + " -q --out " + p("full")).exit_code, 0);
  ASSERT_EQ(sweep(p("s.yaml") + " --plan " + p("plan") + " --shards 4").exit_code, 0);
  // Local: 2 shards at a time. The generated script runs the binary it was planned with.
  const int rc = tt::run("cd " + tt::quote(m_dir.string()) + " && LPSIM=" + tt::quote(LPSIM_BIN) +
                         " bash plan/parallel.sh --jobs 2 > par.log 2>&1");
  ASSERT_EQ(rc, 0) << slurp(m_dir / "par.log");
  for (int i = 0; i < 4; ++i)
    EXPECT_TRUE(fs::exists(m_dir / "plan-shards" / std::to_string(i) / "results.csv"));
  EXPECT_EQ(slurp(m_dir / "plan-results" / "results.csv"), slurp(m_dir / "full" / "results.csv"));
  // Across hosts: --sshlogin with this machine as the only host (":" is GNU parallel's name for
  // the local machine without ssh), again idempotent.
  const int rc2 =
      tt::run("cd " + tt::quote(m_dir.string()) + " && LPSIM=" + tt::quote(LPSIM_BIN) +
              " SHARDS=" + tt::quote(p("ssh-shards")) + " RESULTS=" + tt::quote(p("ssh-results")) +
              " bash plan/parallel.sh --sshlogin 2/: > par2.log 2>&1");
  ASSERT_EQ(rc2, 0) << slurp(m_dir / "par2.log");
  EXPECT_EQ(slurp(m_dir / "ssh-results" / "results.csv"), slurp(m_dir / "full" / "results.csv"));
}

TEST_F(SweepCli, ReportRendersInChromium) {
  LPSIM_REQUIRE_TOOL(tt::kChromium);
  write("f.yaml",
        "base: base.yaml\naxes:\n  accelerator.rows: [8, 64]\n  accelerator.cols: [64]\n  "
        "accelerator.dataflow: [ws, os, is]\n"
        "  accelerator.buffers.weight_kb: [1, 64]\n");
  ASSERT_EQ(sweep(p("f.yaml") + " -q --sort tops_per_w --out " + p("f")).exit_code, 0);
  const fs::path html = m_dir / "f" / "report.html";
  const fs::path png = m_dir / "report.png";
  const auto shot =
      tt::run_chromium(m_dir, html.string(), "--screenshot=" + tt::quote(png.string()));
  ASSERT_EQ(shot.rc, 0) << shot.stderr_text;
  EXPECT_EQ(tt::console_errors(shot.stderr_text), std::vector<std::string>{});
  EXPECT_GT(slurp(png).size(), 40'000u) << "screenshot looks blank";
  const auto dom = tt::run_chromium(m_dir, html.string(), "--dump-dom");
  ASSERT_EQ(dom.rc, 0) << dom.stderr_text;
  EXPECT_EQ(tt::console_errors(dom.stderr_text), std::vector<std::string>{});
  const std::string& d = dom.stdout_text;
  std::size_t svgs = 0;
  for (auto q = d.find("<svg"); q != std::string::npos; q = d.find("<svg", q + 1)) ++svgs;
  EXPECT_EQ(svgs, 2u);
  EXPECT_NE(d.find("Latency vs energy (Pareto front)"), std::string::npos);
  EXPECT_NE(d.find("Points by tops_per_w (descending)"), std::string::npos);
  // Points carry their keys (tooltips and front labels); failed points are in the table.
  EXPECT_NE(d.find("accelerator.rows=8, accelerator.cols=64, accelerator.dataflow=os, "
                   "accelerator.buffers.weight_kb=64"),
            std::string::npos);
  EXPECT_NE(d.find("cannot be tiled"), std::string::npos);
  EXPECT_EQ(d.find("<script"), std::string::npos);
  if (const char* keep = std::getenv("LPSIM_KEEP_SWEEP_REPORT"))
    fs::copy_file(png, keep, fs::copy_options::overwrite_existing);
}

}  // namespace
}  // namespace lpsim::test
