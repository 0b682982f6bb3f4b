// The sweep directory: journal, worker processes, resume, results.csv and report.html, plans
// and merges (see sweep.hpp and docs/sweep.md; the directory rules are docs/reliability.md's).
#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "sim/output/output_dir.hpp"
#include "sim/run/reporters.hpp"
#include "sim/sweep/sweep.hpp"
#include "sim/sweep/sweep_util.hpp"
#include "sw/common/error.hpp"
#include "sw/common/fd_io.hpp"
#include "traces/sweep_report.hpp"

namespace lpsim::sim::sweep {

namespace fs = std::filesystem;

namespace {

constexpr const char* kSpecFile = "sweep.json";
constexpr const char* kPointsFile = "points.jsonl";
constexpr const char* kJournal = "results.journal";
constexpr const char* kResults = "results.csv";
constexpr const char* kReport = "report.html";

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? sep : "") + v[i];
  return s;
}

std::string read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// The sweep's identity: its base configuration, columns and every point's overrides. Two
// directories with one fingerprint hold rows of the same points.
std::string fingerprint(const SweepSpec& s, const std::vector<Point>& points) {
  std::string text =
      s.base_yaml + "\n" + s.default_fidelity + "\n" + join(result_columns(s), ",") + "\n";
  for (const Point& p : points) text += join(p.overrides(s), " ") + "\n";
  return hash_hex(text);
}

nlohmann::json value_json(const Value& v) {
  if (v.kind == Value::Kind::Number && !v.quoted) {
    const double d = v.number;
    if (d == static_cast<double>(static_cast<long long>(d)) &&
        v.text.find_first_of(".eE") == std::string::npos)
      return static_cast<long long>(d);
    return d;
  }
  if (v.kind == Value::Kind::Bool && !v.quoted) return v.number != 0;
  return v.text;
}

std::string points_jsonl(const SweepSpec& s, const std::vector<Point>& points) {
  std::string out;
  for (const Point& p : points) {
    nlohmann::ordered_json j;
    j["point"] = p.index;
    j["id"] = p.id;
    nlohmann::ordered_json vals = nlohmann::ordered_json::object();
    for (std::size_t i = 0; i < s.axes.size(); ++i) vals[s.axes[i].key] = value_json(p.values[i]);
    j["values"] = vals;
    j["set"] = p.overrides(s);
    out += j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  }
  return out;
}

std::string shard_text(const std::optional<Shard>& sh) {
  return sh ? std::to_string(sh->index) + "/" + std::to_string(sh->count) : "";
}

std::string spec_json(const SweepSpec& s, const std::vector<Point>& points, const std::string& fp,
                      const std::string& shard, std::size_t shards = 0) {
  nlohmann::ordered_json j;
  j["tool"] = "lpsim";
  j["kind"] = "sweep";
  j["sweep_file"] = fs::absolute(s.file).lexically_normal().string();
  j["name"] = s.name;
  j["fingerprint"] = fp;
  j["points"] = points.size();
  j["shard"] = shard;
  if (shards) j["shards"] = shards;
  j["default_fidelity"] = s.default_fidelity;
  std::vector<std::string> axes;
  for (const Axis& a : s.axes) axes.push_back(a.key);
  j["axes"] = axes;
  j["columns"] = result_columns(s);
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

// The marker's kind ("" when there is no readable lpsim marker).
std::string marker_kind(const fs::path& dir) {
  const nlohmann::json j = nlohmann::json::parse(read_file(dir / kOutputMarker), nullptr, false);
  if (!j.is_object() || !j.contains("kind") || !j["kind"].is_string()) return "";
  return j["kind"].get<std::string>();
}

// sweep.json of a sweep directory; throws UserError when `dir` is no sweep directory.
nlohmann::json read_sweep_dir(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(fs::symlink_status(dir, ec)))
    throw UserError(dir.string() + ": is not a sweep directory (no such directory)");
  const std::string kind = marker_kind(dir);
  if (kind != "sweep")
    throw UserError(
        dir.string() + ": is not a sweep directory" +
        (kind.empty() ? std::string(" (no lpsim marker)") : " (an lpsim '" + kind + "' output)") +
        "; nothing was changed");
  const nlohmann::json j = nlohmann::json::parse(read_file(dir / kSpecFile), nullptr, false);
  if (!j.is_object() || !j.contains("fingerprint") || !j.contains("columns") ||
      !j.contains("axes") || !j.contains("points"))
    throw UserError((dir / kSpecFile).string() + ": unreadable or incomplete; nothing was changed");
  return j;
}

std::string journal_line(std::size_t index, const std::string& line) {
  const std::string body = std::to_string(index) + "\t" + line;
  return std::to_string(index) + "\t" + hash_hex(body) + "\t" + line + "\n";
}

// The complete, intact lines of a journal: index -> results line. `clean` is false when a line
// was torn (a kill mid-write) or repeated.
std::map<std::size_t, std::string> read_journal(const fs::path& p, std::size_t points,
                                                bool& clean) {
  std::map<std::size_t, std::string> rows;
  clean = true;
  const std::string text = read_file(p);
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) {
      clean = false;  // torn last line
      break;
    }
    const std::string l = text.substr(pos, nl - pos);
    pos = nl + 1;
    const std::size_t t1 = l.find('\t'), t2 = t1 == std::string::npos ? t1 : l.find('\t', t1 + 1);
    if (t2 == std::string::npos) {
      clean = false;
      continue;
    }
    const std::string idx = l.substr(0, t1), sum = l.substr(t1 + 1, t2 - t1 - 1),
                      line = l.substr(t2 + 1);
    if (idx.empty() || idx.size() > 12 ||
        idx.find_first_not_of("0123456789") != std::string::npos ||
        hash_hex(idx + "\t" + line) != sum) {
      clean = false;
      continue;
    }
    const std::size_t i = std::stoull(idx);
    if (i >= points || rows.count(i)) {
      clean = false;
      continue;
    }
    rows[i] = line;
  }
  return rows;
}

// Splits one CSV line (RFC 4180 quoting, no line breaks inside fields).
std::vector<std::string> csv_cells(const std::string& line) {
  std::vector<std::string> cells(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cells.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cells.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      cells.emplace_back();
    } else {
      cells.back() += c;
    }
  }
  return cells;
}

std::string results_csv(const std::vector<std::string>& columns,
                        const std::map<std::size_t, std::string>& rows) {
  std::string out = join(columns, ",") + "\n";
  for (const auto& [i, line] : rows) out += line + "\n";
  return out;
}

std::string report_html(const nlohmann::json& spec, const std::map<std::size_t, std::string>& rows,
                        const std::string& metric) {
  traces::SweepReportData d;
  d.title = "lpsim sweep: " + spec.value("name", std::string("sweep"));
  d.axes = spec["axes"].get<std::vector<std::string>>();
  d.columns = spec["columns"].get<std::vector<std::string>>();
  d.sort_metric = metric;
  std::size_t ok = 0;
  for (const auto& [i, line] : rows) {
    d.rows.push_back(csv_cells(line));
    ok += d.rows.back().size() > d.axes.size() && d.rows.back()[d.axes.size()] == "ok";
  }
  const std::size_t total = spec["points"].get<std::size_t>();
  d.summary = {{"sweep file", spec.value("sweep_file", std::string())},
               {"points", std::to_string(total)},
               {"evaluated", std::to_string(rows.size())},
               {"ok", std::to_string(ok)},
               {"failed", std::to_string(rows.size() - ok)},
               {"fidelity (unless set by the base or an axis)",
                spec.value("default_fidelity", std::string())}};
  if (!spec.value("shard", std::string()).empty())
    d.summary.push_back({"shard", spec.value("shard", std::string())});
  return traces::render_sweep_report(d);
}

// Writes `text` into the staging directory and renames it over dir/name (atomic).
void replace_file(OutputDir& tmp, const fs::path& dir, const std::string& name,
                  const std::string& text) {
  const fs::path t = tmp.staging() / name;
  write_text_file(t, text);
  if (::rename(t.c_str(), (dir / name).c_str()) != 0)
    throw UserError((dir / name).string() + ": cannot write: " + std::strerror(errno));
}

// --- worker processes ---

struct Worker {
  pid_t pid = -1;
  int to = -1, from = -1;
  std::string buf;
  long current = -1;  // the point being evaluated, -1 when idle
};

// Writes a point's `lpsim run` outputs as the run directory `runs/INDEX` (with its own marker)
// under `runs_stage`; the main process moves it into the sweep directory.
void write_point_run(const fs::path& runs_stage, std::size_t i, const RunResult& r) {
  OutputDir od((runs_stage / std::to_string(i)).string(), "run");
  write_run_files(od, r, false);
  od.commit();
}

[[noreturn]] void worker_main(const SweepSpec& s, const std::vector<Point>& points, int in, int out,
                              const fs::path& runs_stage) {
  std::signal(SIGPIPE, SIG_DFL);
  PointEvaluator ev(s);
  std::string line;
  char c;
  for (;;) {
    const ssize_t n = ::read(in, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (c != '\n') {
      line += c;
      continue;
    }
    const std::size_t i = std::stoull(line);
    line.clear();
    RunResult result;
    Row r = ev.evaluate(points.at(i), runs_stage.empty() ? nullptr : &result);
    if (!runs_stage.empty() && r.status == "ok") {
      try {
        write_point_run(runs_stage, i, result);
      } catch (const std::exception& e) {
        r = Row{};
        r.status = "cannot write the point's run files (--keep-runs): " + one_line(e.what());
      }
    }
    const std::string row = csv_line(points.at(i), r);
    if (!write_all(out, std::to_string(i) + " " + std::to_string(row.size()) + "\n" + row)) break;
  }
  ::_exit(0);
}

class Pool {
 public:
  Pool(const SweepSpec& s, const std::vector<Point>& points, unsigned jobs,
       std::vector<int> close_in_child, fs::path runs_stage)
      : m_spec(s),
        m_points(points),
        m_close(std::move(close_in_child)),
        m_runs(std::move(runs_stage)) {
    m_workers.resize(jobs);
  }
  ~Pool() {
    for (Worker& w : m_workers) stop(w, true);
  }

  // Evaluates `todo` (point positions); `done(i, line)` is called in the parent as each row
  // arrives.
  void run(const std::vector<std::size_t>& todo,
           const std::function<void(std::size_t, const std::string&)>& done) {
    std::size_t next = 0, outstanding = 0;
    auto dispatch = [&](Worker& w) {
      if (next >= todo.size()) {
        stop(w, false);
        return;
      }
      if (w.pid < 0) spawn(w);
      w.current = static_cast<long>(todo[next++]);
      if (!write_all(w.to, std::to_string(w.current) + "\n")) {
        // Died before taking it: the read side reports the death.
      }
      ++outstanding;
    };
    for (Worker& w : m_workers) dispatch(w);
    while (outstanding > 0) {
      std::vector<pollfd> fds;
      std::vector<Worker*> who;
      for (Worker& w : m_workers)
        if (w.from >= 0) {
          fds.push_back({w.from, POLLIN, 0});
          who.push_back(&w);
        }
      if (fds.empty()) break;
      const int rc = ::poll(fds.data(), fds.size(), -1);
      if (rc < 0 && errno == EINTR) continue;
      if (rc < 0) throw std::runtime_error(std::string("sweep: poll: ") + std::strerror(errno));
      for (std::size_t k = 0; k < fds.size(); ++k) {
        if (!fds[k].revents) continue;
        Worker& w = *who[k];
        char buf[1 << 15];
        const ssize_t n = ::read(w.from, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n > 0) {
          w.buf.append(buf, static_cast<std::size_t>(n));
          for (;;) {  // complete messages: "INDEX LEN\n" + LEN bytes
            const std::size_t nl = w.buf.find('\n');
            if (nl == std::string::npos) break;
            std::istringstream h(w.buf.substr(0, nl));
            std::size_t idx = 0, len = 0;
            h >> idx >> len;
            if (w.buf.size() < nl + 1 + len) break;
            const std::string row = w.buf.substr(nl + 1, len);
            w.buf.erase(0, nl + 1 + len);
            w.current = -1;
            --outstanding;
            done(idx, row);
            dispatch(w);
          }
          continue;
        }
        // End of file: the worker exited or died.
        const long lost = w.current;
        int status = 0;
        stop(w, false, &status);
        if (lost >= 0) {
          --outstanding;
          const std::string why = WIFSIGNALED(status)
                                      ? "died of signal " + std::to_string(WTERMSIG(status))
                                      : "exited with status " + std::to_string(WEXITSTATUS(status));
          Row r;
          r.status = "internal error: the worker process " + why + " while evaluating this point";
          done(static_cast<std::size_t>(lost),
               csv_line(m_points.at(static_cast<std::size_t>(lost)), r));
          dispatch(w);
        }
      }
    }
  }

 private:
  void spawn(Worker& w) {
    int down[2], up[2];
    if (::pipe2(down, O_CLOEXEC) != 0 || ::pipe2(up, O_CLOEXEC) != 0)
      throw std::runtime_error(std::string("sweep: pipe: ") + std::strerror(errno));
    std::fflush(stdout);
    std::fflush(stderr);
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error(std::string("sweep: fork: ") + std::strerror(errno));
    if (pid == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(0);
      for (int fd : m_close) ::close(fd);  // the directory lock and the journal stay the parent's
      for (Worker& o : m_workers) {
        if (o.to >= 0) ::close(o.to);
        if (o.from >= 0) ::close(o.from);
      }
      ::close(down[1]);
      ::close(up[0]);
      worker_main(m_spec, m_points, down[0], up[1], m_runs);
    }
    ::close(down[0]);
    ::close(up[1]);
    w.pid = pid;
    w.to = down[1];
    w.from = up[0];
    w.buf.clear();
    w.current = -1;
  }

  static void stop(Worker& w, bool kill, int* status = nullptr) {
    if (w.to >= 0) ::close(w.to);
    if (kill && w.pid > 0) ::kill(w.pid, SIGKILL);
    if (w.from >= 0) ::close(w.from);
    w.to = w.from = -1;
    if (w.pid > 0) {
      int st = 0;
      while (::waitpid(w.pid, &st, 0) < 0 && errno == EINTR) {
      }
      if (status) *status = st;
    }
    w.pid = -1;
    w.current = -1;
  }

  const SweepSpec& m_spec;
  const std::vector<Point>& m_points;
  std::vector<int> m_close;
  fs::path m_runs;
  std::vector<Worker> m_workers;
};

// The progress bar on stderr: points done, points/s, ETA.
class Progress {
 public:
  Progress(bool on, std::size_t total, std::size_t already)
      : m_on(on),
        m_total(total),
        m_done(already),
        m_start_done(already),
        m_t0(std::chrono::steady_clock::now()) {}
  void tick() {
    ++m_done;
    if (!m_on) return;
    const auto now = std::chrono::steady_clock::now();
    if (m_done < m_total && now - m_last < std::chrono::milliseconds(100)) return;
    m_last = now;
    const double secs = std::chrono::duration<double>(now - m_t0).count();
    const double rate = secs > 0 ? static_cast<double>(m_done - m_start_done) / secs : 0;
    const double eta = rate > 0 ? static_cast<double>(m_total - m_done) / rate : 0;
    const int width = 30;
    const int fill = m_total ? static_cast<int>(width * m_done / m_total) : width;
    char line[200];
    std::snprintf(line, sizeof line, "\rsweep [%s%s] %zu/%zu points, %.1f points/s, ETA %d:%02d ",
                  std::string(static_cast<std::size_t>(fill), '#').c_str(),
                  std::string(static_cast<std::size_t>(width - fill), '.').c_str(), m_done, m_total,
                  rate, static_cast<int>(eta) / 60, static_cast<int>(eta) % 60);
    std::cerr << line << std::flush;
  }
  void finish() {
    if (m_on) std::cerr << "\n" << std::flush;
  }

 private:
  bool m_on;
  std::size_t m_total, m_done, m_start_done;
  std::chrono::steady_clock::time_point m_t0, m_last{};
};

class DirLock {
 public:
  explicit DirLock(const fs::path& dir) {
    m_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (m_fd < 0) throw UserError(dir.string() + ": cannot open: " + std::strerror(errno));
    if (::flock(m_fd, LOCK_EX | LOCK_NB) != 0) {
      ::close(m_fd);
      throw UserError(dir.string() + ": another lpsim sweep is writing it; nothing was changed");
    }
  }
  ~DirLock() { ::close(m_fd); }
  int fd() const { return m_fd; }

 private:
  int m_fd = -1;
};

void write_sweep_files(OutputDir& od, const std::string& spec, const std::string& points,
                       const std::vector<std::string>& columns,
                       const std::map<std::size_t, std::string>& rows, const std::string& metric) {
  const nlohmann::json j = nlohmann::json::parse(spec);
  od.write_file(kSpecFile, spec);
  od.write_file(kPointsFile, points);
  std::string journal;
  for (const auto& [i, line] : rows) journal += journal_line(i, line);
  od.write_file(kJournal, journal);
  od.write_file(kResults, results_csv(columns, rows));
  od.write_file(kReport, report_html(j, rows, metric));
}

// Moves the run directory of point `i` from the staging area into DIR/runs/i: first the
// sweep's marker lists its files (so a kill never leaves a file the marker does not list),
// then the directory is renamed into place (an earlier copy of the same point, from a run
// killed before its row reached the journal, is replaced).
void publish_point_run(OutputDir& tmp, const fs::path& dir, const fs::path& runs_stage,
                       std::size_t i) {
  const fs::path from = runs_stage / std::to_string(i);
  std::error_code ec;
  if (!fs::is_directory(from, ec)) return;
  const std::string rel = "runs/" + std::to_string(i);
  nlohmann::json marker = nlohmann::json::parse(read_file(dir / kOutputMarker), nullptr, false);
  if (!marker.is_object() || !marker.contains("files") || !marker["files"].is_array())
    throw UserError((dir / kOutputMarker).string() + ": unreadable; nothing more was written");
  std::set<std::string> files;
  for (const auto& f : marker["files"])
    if (f.is_string()) files.insert(f.get<std::string>());
  for (fs::recursive_directory_iterator it(from, ec), end; !ec && it != end; it.increment(ec))
    if (fs::is_regular_file(it->symlink_status(ec)))
      files.insert(rel + "/" + it->path().lexically_relative(from).string());
  marker["files"] = std::vector<std::string>(files.begin(), files.end());
  replace_file(tmp, dir, kOutputMarker,
               marker.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  fs::create_directories(dir / "runs", ec);
  if (fs::exists(fs::symlink_status(dir / rel, ec))) fs::remove_all(dir / rel, ec);
  if (::rename(from.c_str(), (dir / rel).c_str()) != 0)
    throw UserError((dir / rel).string() + ": cannot write: " + std::strerror(errno));
}

}  // namespace

SweepSummary run_sweep(const SweepSpec& s, const SweepOptions& opt) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::vector<Point> points = enumerate_points(s);
  if (opt.shard && (opt.shard->count == 0 || opt.shard->index >= opt.shard->count))
    throw UserError("--shard " + shard_text(opt.shard) + ": expected I/N with 0 <= I < N");
  std::vector<std::size_t> mine;
  for (const Point& p : points)
    if (!opt.shard || p.index % opt.shard->count == opt.shard->index) mine.push_back(p.index);
  const std::string fp = fingerprint(s, points);
  const std::vector<std::string> columns = result_columns(s);
  const std::string spec = spec_json(s, points, fp, shard_text(opt.shard));
  const fs::path dir = opt.out;

  // The directory: new (created complete, atomically, by OutputDir), or this sweep's own.
  check_output_target(dir);
  std::error_code ec;
  const bool fresh = !fs::exists(fs::symlink_status(dir, ec)) || fs::is_empty(dir, ec);
  auto check_same = [&] {
    const nlohmann::json j = read_sweep_dir(dir);
    if (j.value("fingerprint", std::string()) != fp ||
        j.value("shard", std::string()) != shard_text(opt.shard))
      throw UserError(
          dir.string() + ": holds another sweep (" + j.value("sweep_file", std::string("?")) +
          ", " + std::to_string(j.value("points", 0)) + " points" +
          (j.value("shard", std::string()).empty() ? std::string()
                                                   : ", shard " + j.value("shard", std::string())) +
          "); give another --out; nothing was changed");
  };
  if (!fresh) check_same();
  if (fresh) {
    OutputDir od(dir.string(), "sweep");
    write_sweep_files(od, spec, points_jsonl(s, points), columns, {}, "latency_ms");
    od.commit();
  }
  DirLock lock(dir);
  check_same();                          // again, under the lock
  OutputDir tmp(dir.string(), "sweep");  // its staging directory holds our temporary files

  bool clean = true;
  std::map<std::size_t, std::string> rows = read_journal(dir / kJournal, points.size(), clean);
  for (auto it = rows.begin(); it != rows.end();)  // a shard keeps only its own points
    it = std::binary_search(mine.begin(), mine.end(), it->first) ? std::next(it) : rows.erase(it);
  if (!clean) {
    std::string journal;
    for (const auto& [i, line] : rows) journal += journal_line(i, line);
    replace_file(tmp, dir, kJournal, journal);
  }
  SweepSummary sum;
  sum.points = mine.size();
  sum.already = rows.size();
  std::vector<std::size_t> todo;
  for (std::size_t i : mine)
    if (!rows.count(i)) todo.push_back(i);
  sum.jobs = opt.jobs ? opt.jobs : std::max(1u, std::thread::hardware_concurrency());
  sum.jobs =
      static_cast<unsigned>(std::min<std::size_t>(sum.jobs, std::max<std::size_t>(1, todo.size())));

  if (!todo.empty()) {
    const int jfd = ::open((dir / kJournal).c_str(), O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
    if (jfd < 0)
      throw UserError((dir / kJournal).string() + ": cannot write: " + std::strerror(errno));
    struct Closer {
      int fd;
      ~Closer() { ::close(fd); }
    } closer{jfd};
    const auto old_pipe = std::signal(SIGPIPE, SIG_IGN);
    Progress progress(opt.progress, mine.size(), rows.size());
    fs::path runs_stage;
    if (opt.keep_runs) {
      runs_stage = tmp.staging() / "runs";
      fs::create_directories(runs_stage);
    }
    {
      Pool pool(s, points, sum.jobs, {lock.fd(), jfd}, runs_stage);
      pool.run(todo, [&](std::size_t i, const std::string& line) {
        if (opt.keep_runs) publish_point_run(tmp, dir, runs_stage, i);
        // One write per row: a kill leaves whole rows, at worst a torn last line that the
        // next run discards (its checksum fails) and evaluates again.
        if (!write_all(jfd, journal_line(i, line)))
          throw UserError((dir / kJournal).string() + ": cannot write: " + std::strerror(errno));
        rows[i] = line;
        ++sum.ran;
        progress.tick();
      });
    }
    progress.finish();
    std::signal(SIGPIPE, old_pipe);
  }
  for (const auto& [i, line] : rows) {
    const std::vector<std::string> cells = csv_cells(line);
    const std::size_t st = s.axes.size();
    if (cells.size() > st && cells[st] != "ok") ++sum.failed;
    if (!cells.empty() && cells.back() == "no") ++sum.unverified;
  }
  replace_file(tmp, dir, kResults, results_csv(columns, rows));
  replace_file(tmp, dir, kReport,
               report_html(nlohmann::json::parse(spec), rows, opt.report_metric));
  sum.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return sum;
}

void write_plan(const SweepSpec& s, const std::string& dir, std::size_t shards,
                const std::string& lpsim_path) {
  const std::vector<Point> points = enumerate_points(s);
  if (shards == 0) throw UserError("--shards: must be at least 1");
  shards = std::min(shards, std::max<std::size_t>(1, points.size()));
  const std::string fp = fingerprint(s, points);
  OutputDir od(dir, "sweep-plan");
  const fs::path target = od.target();
  const std::string shard_dir = target.string() + "-shards", results = target.string() + "-results";
  const std::string spec = fs::absolute(s.file).lexically_normal().string();
  auto q = [](const std::string& a) {
    std::string r = "'";
    for (char c : a) r += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return r + "'";
  };
  const std::string n = std::to_string(shards);
  const std::string head = "# lpsim sweep '" + s.name + "': " + std::to_string(points.size()) +
                           " points in " + n + " shards (shard I runs points I, I+" + n +
                           ", ...).\n# Generated by: " + one_line(invocation()) +
                           "\n# Shard outputs: $SHARDS/I (sweep directories); merged: $RESULTS "
                           "(results.csv, report.html).\n";
  const std::string vars = "LPSIM=${LPSIM:-" + q(lpsim_path) + "}\nSPEC=" + q(spec) +
                           "\nSHARDS=${SHARDS:-" + q(shard_dir) + "}\nRESULTS=${RESULTS:-" +
                           q(results) + "}\n";
  std::string slurm =
      "#!/bin/bash\n" + head +
      "# Submit: sbatch slurm-array.sh   (one array task per shard; each uses the CPUs it is "
      "given)\n"
      "# Merge when all tasks ended: \"$LPSIM\" sweep merge \"$SHARDS\"/* --out \"$RESULTS\"\n"
      "#   (or submit it after the array: sbatch --dependency=afterany:JOBID --wrap '...')\n"
      "#SBATCH --job-name=lpsim-sweep-" +
      s.name + "\n#SBATCH --array=0-" + std::to_string(shards - 1) +
      "\n#SBATCH --ntasks=1\n#SBATCH --cpus-per-task=1\n#SBATCH --output=lpsim-sweep-" + s.name +
      "-%A_%a.log\nset -eu\n" + vars +
      "mkdir -p \"$SHARDS\"\nexec \"$LPSIM\" sweep \"$SPEC\" --shard \"$SLURM_ARRAY_TASK_ID/" + n +
      "\" --jobs \"${SLURM_CPUS_PER_TASK:-${SLURM_CPUS_ON_NODE:-1}}\" --out "
      "\"$SHARDS/$SLURM_ARRAY_TASK_ID\" --quiet\n";
  std::string parallel =
      "#!/bin/bash\n" + head +
      "# Local (one shard per core):      bash parallel.sh\n"
      "# Across hosts (shared file system, lpsim at the same path on each):\n"
      "#                                   bash parallel.sh --sshlogin 2/host1,2/host2\n"
      "# Extra arguments go to GNU parallel.\nset -eu\n" +
      vars + "mkdir -p \"$SHARDS\"\nseq 0 " + std::to_string(shards - 1) +
      " | parallel --halt never \"$@\" \"$LPSIM\" sweep \"$SPEC\" --shard {}/" + n +
      " --jobs 1 --out \"$SHARDS\"/{} --quiet\n\"$LPSIM\" sweep merge \"$SHARDS\"/* --out "
      "\"$RESULTS\"\n";
  od.write_file(kSpecFile, spec_json(s, points, fp, "", shards));
  od.write_file(kPointsFile, points_jsonl(s, points));
  od.write_file("slurm-array.sh", slurm);
  od.write_file("parallel.sh", parallel);
  od.commit();
}

MergeSummary merge_sweeps(const std::vector<std::string>& dirs, const std::string& out,
                          const std::string& report_metric) {
  if (dirs.empty()) throw UserError("sweep merge: give the sweep directories to merge");
  MergeSummary sum;
  nlohmann::json first;
  std::map<std::size_t, std::pair<std::string, std::string>> rows;  // index -> line, from
  for (const std::string& d : dirs) {
    const nlohmann::json j = read_sweep_dir(d);
    if (first.is_null()) {
      first = j;
    } else if (j["fingerprint"] != first["fingerprint"]) {
      throw UserError(d + ": belongs to another sweep than " + dirs.front() + " (" +
                      j.value("sweep_file", std::string("?")) + "); nothing was changed");
    }
    bool clean = true;
    for (const auto& [i, line] :
         read_journal(fs::path(d) / kJournal, j["points"].get<std::size_t>(), clean)) {
      const auto it = rows.find(i);
      if (it == rows.end()) {
        rows[i] = {line, d};
      } else {
        ++sum.duplicates;
        sum.notes.push_back(
            "point " + std::to_string(i) + " is in " + it->second.second + " and " + d +
            (it->second.first == line ? " (identical rows; kept once)"
                                      : " (different rows; kept " + it->second.second + "'s)"));
      }
    }
    if (!clean) sum.notes.push_back(d + ": a torn or repeated journal line was skipped");
  }
  sum.points = first["points"].get<std::size_t>();
  std::map<std::size_t, std::string> merged;
  for (const auto& [i, v] : rows) {
    merged[i] = v.first;
    const std::vector<std::string> cells = csv_cells(v.first);
    const std::size_t st = first["axes"].size();
    if (cells.size() > st && cells[st] != "ok") ++sum.failed;
  }
  sum.present = merged.size();
  for (std::size_t i = 0; i < sum.points; ++i)
    if (!merged.count(i)) sum.missing.push_back(i);
  // The merged directory is a whole sweep (no shard): `lpsim sweep FILE --out OUT` resumes it.
  nlohmann::ordered_json spec =
      nlohmann::ordered_json::parse(read_file(fs::path(dirs.front()) / kSpecFile));
  spec["shard"] = "";
  spec.erase("shards");
  const std::string spec_text =
      spec.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  OutputDir od(out, "sweep");
  write_sweep_files(od, spec_text, read_file(fs::path(dirs.front()) / kPointsFile),
                    first["columns"].get<std::vector<std::string>>(), merged, report_metric);
  od.commit();
  return sum;
}

}  // namespace lpsim::sim::sweep
