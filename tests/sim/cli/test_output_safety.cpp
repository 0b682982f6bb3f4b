// Output safety (docs/reliability.md): no command deletes or overwrites what lpsim did not
// write; outputs appear complete or not at all, whatever is killed or run at the same time.
// Every case runs the real binary in a fresh sandbox directory.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "run_command.hpp"
#include "run_fixture.hpp"

namespace lpsim::test {
namespace {

namespace fs = std::filesystem;

std::string q(const fs::path& p) {
  return "'" + p.string() + "'";
}

// The names in `dir` (not recursive), sorted.
std::set<std::string> entries(const fs::path& dir) {
  std::set<std::string> s;
  for (const auto& e : fs::directory_iterator(dir)) s.insert(e.path().filename().string());
  return s;
}

// Every file a run writes, with its bytes (the marker, which records the command line, aside).
std::map<std::string, std::string> run_files(const fs::path& dir) {
  std::map<std::string, std::string> m;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name != "lpsim-run.json") m[name] = slurp(e.path());
  }
  return m;
}

// A complete run directory: the marker lists exactly the files present, summary.json parses.
void expect_complete(const fs::path& dir) {
  ASSERT_TRUE(fs::is_directory(dir)) << dir;
  const auto marker = nlohmann::json::parse(slurp(dir / "lpsim-run.json"));
  std::set<std::string> listed;
  for (const auto& f : marker["files"]) listed.insert(f.get<std::string>());
  std::set<std::string> present = entries(dir);
  present.erase("lpsim-run.json");
  EXPECT_EQ(listed, present) << dir;
  for (const char* f : {"summary.json", "layers.csv", "tiles.csv", "trace.json", "report.html"})
    EXPECT_TRUE(present.count(f)) << f;
  EXPECT_NO_THROW(nlohmann::json::parse(slurp(dir / "summary.json")));
}

// No hidden staging or old directories of lpsim's left in `parent`.
void expect_no_leftovers(const fs::path& parent) {
  for (const std::string& e : entries(parent)) EXPECT_EQ(e.find(".lpsim-"), std::string::npos) << e;
}

class OutputSafety : public RunFixture {
 protected:
  void SetUp() override {
    RunFixture::SetUp();
    m_wl = write("w.yaml", kSmallResNet18);
  }
  CommandResult run_to(const std::string& out, const std::string& extra = "") {
    return run_lpsim("run " + q(m_wl) + " -q -o " + q(out) + " " + extra);
  }
  // A refused --out: exit 2, one line naming the path and saying nothing was changed, no stdout.
  void expect_refused(const CommandResult& r, const std::string& needle) {
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_EQ(r.err.rfind("lpsim: error: ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
  }
  std::string m_wl;
};

TEST_F(OutputSafety, ExistingDirectoryOfTheUsersIsNeverTouched) {
  const fs::path thesis = m_dir / "thesis";
  fs::create_directories(thesis / "chapters");
  write("thesis/notes.txt", "my notes\n");
  write("thesis/chapters/one.tex", "one\n");
  const auto r = run_to(thesis.string());
  expect_refused(r, "exists and is not an lpsim output directory; nothing was changed");
  EXPECT_EQ(slurp(thesis / "notes.txt"), "my notes\n");
  EXPECT_EQ(slurp(thesis / "chapters" / "one.tex"), "one\n");
  EXPECT_EQ(entries(thesis), (std::set<std::string>{"chapters", "notes.txt"}));
  expect_no_leftovers(m_dir);
}

TEST_F(OutputSafety, FilesSpecialFilesAndLinksAreRefused) {
  write("notes.txt", "keep me\n");
  const auto f = run_to((m_dir / "notes.txt").string());
  expect_refused(f, "exists and is a file");
  EXPECT_EQ(slurp(m_dir / "notes.txt"), "keep me\n");

  // Special files as root would meet them, made inside the sandbox: a fifo and a socket.
  ASSERT_EQ(mkfifo((m_dir / "fifo").c_str(), 0644), 0);
  expect_refused(run_to((m_dir / "fifo").string()), "special file");
  EXPECT_TRUE(fs::is_fifo(m_dir / "fifo"));
  const int sock = socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(sock, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string sp = (m_dir / "sock").string();
  ASSERT_LT(sp.size(), sizeof(addr.sun_path));
  std::copy(sp.begin(), sp.end(), addr.sun_path);
  ASSERT_EQ(bind(sock, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  expect_refused(run_to(sp), "special file");
  EXPECT_TRUE(fs::is_socket(m_dir / "sock"));
  close(sock);

  // A symbolic link to a directory (even an lpsim output) and a dangling one.
  ASSERT_EQ(run_to((m_dir / "real").string()).exit_code, 0);
  fs::create_directory_symlink(m_dir / "real", m_dir / "link");
  expect_refused(run_to((m_dir / "link").string()), "symbolic link");
  EXPECT_TRUE(fs::is_symlink(m_dir / "link"));
  fs::create_symlink(m_dir / "nowhere", m_dir / "dangling");
  expect_refused(run_to((m_dir / "dangling").string()), "symbolic link");
  EXPECT_FALSE(fs::exists(m_dir / "nowhere"));
  expect_complete(m_dir / "real");
}

TEST_F(OutputSafety, DotDotDotRootHomeAndTheWorkingDirectoryAreRefused) {
  const fs::path work = m_dir / "work";
  fs::create_directories(work / "sub");
  write("work/sub/keep.txt", "k\n");
  const std::string cd = "cd " + q(work / "sub") + " && HOME=" + q(m_dir / "home") + " ";
  fs::create_directories(m_dir / "home");
  write("home/.profile", "p\n");
  for (const std::string& out :
       std::vector<std::string>{".", "..", "./", "../..", "/", "../sub", (m_dir / "home").string(),
                                (m_dir / "home").string() + "/"}) {
    const auto r = run_lpsim_with(cd, "run " + q(m_wl) + " -q -o " + q(out));
    EXPECT_EQ(r.exit_code, 2) << out;
    EXPECT_EQ(r.out, "") << out;
    EXPECT_NE(r.err.find("nothing was changed"), std::string::npos) << out << r.err;
  }
  EXPECT_EQ(slurp(work / "sub" / "keep.txt"), "k\n");
  EXPECT_EQ(slurp(m_dir / "home" / ".profile"), "p\n");
  EXPECT_EQ(entries(work / "sub"), std::set<std::string>{"keep.txt"});
}

TEST_F(OutputSafety, CreatesReplacesItsOwnAndUsesAnEmptyDirectory) {
  const fs::path out = m_dir / "deep" / "er" / "out";
  ASSERT_EQ(run_to(out.string()).exit_code, 0);
  expect_complete(out);
  const auto first = run_files(out);
  // Replaced by a run with other results: complete, nothing of the first left.
  const auto r = run_to(out.string(), "--set input.seed=11 --vcd");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_complete(out);
  EXPECT_TRUE(fs::exists(out / "waveform.vcd"));
  EXPECT_NE(run_files(out).at("summary.json"), first.at("summary.json"));
  // ... and back: the waveform of the second run does not stay behind.
  ASSERT_EQ(run_to(out.string()).exit_code, 0);
  EXPECT_EQ(run_files(out), first);
  expect_no_leftovers(out.parent_path());

  fs::create_directory(m_dir / "empty");
  ASSERT_EQ(run_to((m_dir / "empty").string()).exit_code, 0);
  expect_complete(m_dir / "empty");
}

TEST_F(OutputSafety, AnLpsimDirectoryWithTheUsersFilesAddedIsNotReplaced) {
  const fs::path out = m_dir / "out";
  ASSERT_EQ(run_to(out.string()).exit_code, 0);
  write("out/analysis.ipynb", "{}\n");
  expect_refused(run_to(out.string()), "holds 'analysis.ipynb', which lpsim did not write");
  EXPECT_EQ(slurp(out / "analysis.ipynb"), "{}\n");
  // A forged or damaged marker is not a marker.
  fs::remove(out / "analysis.ipynb");
  write("out/lpsim-run.json", "{\"tool\": \"other\", \"files\": []}\n");
  expect_refused(run_to(out.string()), "not an lpsim output directory");
  EXPECT_TRUE(fs::exists(out / "summary.json"));
}

TEST_F(OutputSafety, DefaultOutputUnderRunsAndUnsafeNames) {
  // runs/<name> under the working directory; names that are not plain directory names are
  // errors naming the key, before anything is printed or created.
  const fs::path work = m_dir / "work";
  fs::create_directories(work);
  write("work/keep.txt", "k\n");
  auto run_in = [&](const std::string& yaml) {
    return run_lpsim_with("cd " + q(work) + " && ", "run " + q(write("n.yaml", yaml)) + " -q");
  };
  for (const std::string& name :
       std::vector<std::string>{"\".\"", "\"..\"", "\"a/b\"", "\"a\\0b\"", "\"a\\nb\"", "\"\\xff\"",
                                "\"" + std::string(300, 'x') + "\"", "\"../../etc\""}) {
    const auto r = run_in("name: " + name + "\n" + kSmallResNet18);
    expect_refused(r, "n.yaml:1: name: ");
    EXPECT_EQ(entries(work), std::set<std::string>{"keep.txt"}) << name;
  }
  const auto ok = run_in("name: my_run-1.0\n" + kSmallResNet18);
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  expect_complete(work / "runs" / "my_run-1.0");
}

// Kill -9 at every stage of the commit: the target is absent, the previous complete output or
// the new one; the next run removes what the killed one left and completes.
TEST_F(OutputSafety, KilledAtAnyStageLeavesAbsentOldOrNewAndTheNextRunCleansUp) {
  const fs::path out = m_dir / "out";
  for (const char* stage : {"staged", "marked", "swapped", "removing"}) {
    SCOPED_TRACE(stage);
    // Into an absent target.
    fs::remove_all(out);
    setenv("LPSIM_TEST_KILL_AT", stage, 1);
    auto r = run_to(out.string());
    unsetenv("LPSIM_TEST_KILL_AT");
    if (r.exit_code == 0) {
      EXPECT_TRUE(fs::exists(out));  // "removing": nothing old to remove
    }
    if (fs::exists(out)) expect_complete(out);
    // Over a previous complete output (seed 5); the killed run has seed 6.
    ASSERT_EQ(run_to(out.string(), "--set input.seed=5").exit_code, 0);
    const auto old_files = run_files(out);
    setenv("LPSIM_TEST_KILL_AT", stage, 1);
    r = run_to(out.string(), "--set input.seed=6");
    unsetenv("LPSIM_TEST_KILL_AT");
    EXPECT_NE(r.exit_code, 0);
    ASSERT_TRUE(fs::exists(out)) << "an atomic exchange never leaves the target absent";
    expect_complete(out);
    const auto now = run_files(out);
    if (now != old_files) {
      ASSERT_EQ(run_to((m_dir / "ref6").string(), "--set input.seed=6").exit_code, 0);
      EXPECT_EQ(now.at("summary.json"), run_files(m_dir / "ref6").at("summary.json"));
      fs::remove_all(m_dir / "ref6");
    }
    // A killed run's leftovers are hidden, never mistaken for a result, and cleaned next time.
    for (const std::string& e : entries(m_dir))
      if (e.find(".lpsim-") != std::string::npos) {
        EXPECT_EQ(e[0], '.') << e;
      }
    ASSERT_EQ(run_to(out.string()).exit_code, 0);
    expect_complete(out);
    expect_no_leftovers(m_dir);
  }
}

// Two runs at once on one --out, several times: each completes, and the directory holds one
// run's files, never a mixture.
TEST_F(OutputSafety, ConcurrentRunsOnOneOutputNeverMix) {
  ASSERT_EQ(run_to((m_dir / "ref_a").string(), "--set input.seed=21").exit_code, 0);
  ASSERT_EQ(run_to((m_dir / "ref_b").string(), "--set input.seed=22 --vcd").exit_code, 0);
  const auto a = run_files(m_dir / "ref_a"), b = run_files(m_dir / "ref_b");
  ASSERT_NE(a.at("summary.json"), b.at("summary.json"));
  const fs::path out = m_dir / "out";
  for (int i = 0; i < 6; ++i) {
    const std::string one = std::string(LPSIM_BIN) + " run " + q(m_wl) + " -q -o " + q(out);
    const std::string cmd = "(" + one + " --set input.seed=21 >/dev/null 2>" + q(m_dir / "ea") +
                            "; echo $? >" + q(m_dir / "ra") + ") & (" + one +
                            " --set input.seed=22 --vcd >/dev/null 2>" + q(m_dir / "eb") +
                            "; echo $? >" + q(m_dir / "rb") + ") & wait";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
    EXPECT_EQ(slurp(m_dir / "ra"), "0\n") << slurp(m_dir / "ea");
    EXPECT_EQ(slurp(m_dir / "rb"), "0\n") << slurp(m_dir / "eb");
    expect_complete(out);
    const auto got = run_files(out);
    EXPECT_TRUE(got == a || got == b) << "iteration " << i << ": a mixture of two runs";
  }
  expect_no_leftovers(m_dir);
}

// A full disk (here a file-size limit, as unprivileged tests can set one): one error line,
// nothing on stdout, no output directory, no staging left.
TEST_F(OutputSafety, AFullDiskIsAnErrorWithNoOutputAndNoTable) {
  const fs::path out = m_dir / "out";
  // 16 KiB: /bin/sh's ulimit -f counts 512-byte blocks.
  const std::string limit = "ulimit -f 32; ";
  const auto r = run_lpsim_with(limit, "run " + q(m_wl) + " -q -o " + q(out));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
  const std::string& err = r.err;
  EXPECT_EQ(err.rfind("lpsim: error: ", 0), 0u) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_FALSE(fs::exists(out));
  expect_no_leftovers(m_dir);
  // The previous output survives a failed replacement.
  ASSERT_EQ(run_to(out.string()).exit_code, 0);
  const auto before = run_files(out);
  EXPECT_EQ(run_lpsim_with(limit, "run " + q(m_wl) + " -q -o " + q(out) + " --set input.seed=9").exit_code, 2);
  EXPECT_EQ(run_files(out), before);
  expect_no_leftovers(m_dir);
}

// lpsim scalesim -p OUTDIR writes only its reports (and marker) under OUTDIR/<run_name>/.
TEST_F(OutputSafety, ScalesimWritesOnlyItsOwnReports) {
  const std::string data = LPSIM_TEST_DATA_DIR;
  const std::string args = "scalesim -t " + q(data + "/scalesim/tiny_4x4/tiny.csv") + " -c " +
                           q(data + "/scalesim/tiny_4x4/tiny_os.cfg") + " -p " + q(m_dir / "logs");
  const auto first = run_lpsim(args);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  std::vector<fs::path> run_dirs;
  for (const auto& e : fs::directory_iterator(m_dir / "logs")) run_dirs.push_back(e.path());
  ASSERT_EQ(run_dirs.size(), 1u);
  const fs::path rd = run_dirs[0];
  EXPECT_EQ(entries(rd), (std::set<std::string>{"BANDWIDTH_REPORT.csv", "COMPUTE_REPORT.csv",
                                                "DETAILED_ACCESS_REPORT.csv", "lpsim-run.json"}));
  const std::string compute = slurp(rd / "COMPUTE_REPORT.csv");
  write((rd / "notes.txt").lexically_relative(m_dir).string(), "mine\n");
  write("logs/other.txt", "mine too\n");
  ASSERT_EQ(run_lpsim(args).exit_code, 0);
  EXPECT_EQ(slurp(rd / "notes.txt"), "mine\n");
  EXPECT_EQ(slurp(m_dir / "logs" / "other.txt"), "mine too\n");
  EXPECT_EQ(slurp(rd / "COMPUTE_REPORT.csv"), compute);
  for (const std::string& e : entries(rd)) EXPECT_EQ(e.find(".lpsim-"), std::string::npos) << e;
  // A report lpsim did not write (e.g. SCALE-Sim's own) is not overwritten.
  fs::remove(rd / "lpsim-run.json");
  write((rd / "COMPUTE_REPORT.csv").lexically_relative(m_dir).string(), "SCALE-Sim's\n");
  const auto r = run_lpsim(args);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(
      r.err.find("COMPUTE_REPORT.csv: exists and was not written by lpsim; nothing was changed"),
      std::string::npos)
      << r.err;
  EXPECT_EQ(slurp(rd / "COMPUTE_REPORT.csv"), "SCALE-Sim's\n");
  // -p naming a file is refused.
  write("plain", "x\n");
  const auto f =
      run_lpsim("scalesim -t " + q(data + "/scalesim/tiny_4x4/tiny.csv") + " -c " +
                q(data + "/scalesim/tiny_4x4/tiny_os.cfg") + " -p " + q(m_dir / "plain"));
  EXPECT_EQ(f.exit_code, 2);
  EXPECT_EQ(slurp(m_dir / "plain"), "x\n");
}

}  // namespace
}  // namespace lpsim::test
