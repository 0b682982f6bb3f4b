// Output directories that never lose a user's data (see output_dir.hpp).
#include "sim/output/output_dir.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include "sw/common/error.hpp"

#ifndef LPSIM_VERSION
#define LPSIM_VERSION "unknown"
#endif

namespace lpsim::sim {

namespace fs = std::filesystem;

namespace {

constexpr const char* kStagingTag =
    ".lpsim-staging.";  // NAME + tag + PID.N: a directory being written
constexpr const char* kOldTag =
    ".lpsim-old.";  // NAME + tag + PID.N: a replaced output being removed
constexpr const char* kStagingFile = ".lpsim-staging";  // inside a staging directory until commit

std::string& invocation_text() {
  static std::string text = "lpsim";
  return text;
}

UserError refuse(const fs::path& target, const std::string& why) {
  return UserError(target.string() + ": " + why + "; nothing was changed");
}

// An open file descriptor with an flock; both released on destruction.
class Lock {
 public:
  Lock() = default;
  Lock(const fs::path& p, bool wait) {
    m_fd = ::open(p.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (m_fd < 0) return;
    int rc;
    do {
      rc = ::flock(m_fd, LOCK_EX | (wait ? 0 : LOCK_NB));
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) {
      ::close(m_fd);
      m_fd = -1;
    }
  }
  ~Lock() {
    if (m_fd >= 0) ::close(m_fd);
  }
  Lock(const Lock&) = delete;
  Lock& operator=(const Lock&) = delete;
  bool held() const { return m_fd >= 0; }
  int release() {  // hands the descriptor (and the lock) to the caller
    const int fd = m_fd;
    m_fd = -1;
    return fd;
  }

 private:
  int m_fd = -1;
};

// The path without trailing separators ("runs/x/" -> "runs/x"; "/" stays "/").
fs::path strip_trailing(const fs::path& p) {
  std::string s = p.string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return fs::path(s);
}

bool is_ancestor_or_same(const fs::path& a, const fs::path& b) {
  auto ia = a.begin(), ib = b.begin();
  for (; ia != a.end(); ++ia, ++ib)
    if (ib == b.end() || *ia != *ib) return false;
  return true;
}

// The file list of a marker, or nothing when `dir` has no valid lpsim marker.
std::optional<std::set<std::string>> marker_files(const fs::path& dir) {
  std::error_code ec;
  const fs::path m = dir / kOutputMarker;
  if (!fs::is_regular_file(fs::symlink_status(m, ec))) return std::nullopt;
  std::ifstream f(m, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  const nlohmann::json j = nlohmann::json::parse(s.str(), nullptr, false);
  if (!j.is_object() || j.value("tool", std::string()) != "lpsim" || !j.contains("files") ||
      !j["files"].is_array())
    return std::nullopt;
  std::set<std::string> files;
  for (const auto& f2 : j["files"])
    if (f2.is_string()) files.insert(f2.get<std::string>());
  return files;
}

// Relative paths of the regular files below `dir` (sorted); a symbolic link or special file is
// reported through `odd`.
std::vector<std::string> list_files(const fs::path& dir, std::string* odd) {
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::file_status st = it->symlink_status(ec);
    const std::string rel = it->path().lexically_relative(dir).string();
    if (fs::is_directory(st)) continue;
    if (fs::is_regular_file(st))
      out.push_back(rel);
    else if (odd && odd->empty())
      *odd = rel;
  }
  if (ec && odd && odd->empty()) *odd = "(unreadable: " + ec.message() + ")";
  std::sort(out.begin(), out.end());
  return out;
}

bool is_staging_name(const std::string& entry, const std::string& name) {
  for (const char* tag : {kStagingTag, kOldTag}) {
    const std::string prefix = "." + name + tag;
    if (entry.size() > prefix.size() && entry.compare(0, prefix.size(), prefix) == 0) return true;
  }
  return false;
}

// Removes staging and old directories of `name` in `parent` that no live process holds.
void clean_stale(const fs::path& parent, const std::string& name) {
  std::error_code ec;
  for (fs::directory_iterator it(parent, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string entry = it->path().filename().string();
    if (!is_staging_name(entry, name)) continue;
    if (!fs::is_directory(it->symlink_status(ec))) continue;
    Lock l(it->path(), false);
    if (!l.held()) continue;  // a live run is writing it
    // The name (.NAME.lpsim-staging.PID.N or .NAME.lpsim-old.PID.N) is lpsim's alone, and a
    // leftover may be any mixture of files (a removal killed half-way), so the name decides.
    std::error_code e2;
    fs::remove_all(it->path(), e2);
  }
}

std::string json_text(const nlohmann::json& j) {
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string marker_text(const std::string& kind, const std::vector<std::string>& files) {
  nlohmann::json j;
  j["tool"] = "lpsim";
  j["version"] = LPSIM_VERSION;
  j["kind"] = kind;
  j["command"] = invocation();
  j["files"] = files;
  return json_text(j);
}

std::atomic<unsigned> g_counter{0};

// Fault injection for the tests of docs/reliability.md: LPSIM_TEST_KILL_AT=STAGE kills this
// process with SIGKILL at that stage of a commit, as `kill -9` at the worst moment would.
void kill_point(const char* stage) {
  const char* at = std::getenv("LPSIM_TEST_KILL_AT");
  if (at && std::strcmp(at, stage) == 0) std::raise(SIGKILL);
}

std::string unique_suffix() {
  return std::to_string(::getpid()) + "." + std::to_string(g_counter.fetch_add(1));
}

}  // namespace

void set_invocation(int argc, char** argv) {
  std::string s;
  for (int i = 0; i < argc; ++i) {
    std::string a = i == 0 ? std::string("lpsim") : std::string(argv[i]);
    const bool plain = !a.empty() && a.find_first_of(" \t\n'\"\\$`") == std::string::npos;
    if (!plain) {
      std::string q = "'";
      for (char c : a) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
      a = q + "'";
    }
    s += (s.empty() ? "" : " ") + a;
  }
  invocation_text() = s;
}

const std::string& invocation() {
  return invocation_text();
}

void write_text_file(const fs::path& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) throw UserError(path.string() + ": cannot write: " + std::strerror(errno));
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : ENOSPC;
      ::close(fd);
      throw UserError(path.string() + ": cannot write: " + std::strerror(err));
    }
    done += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0) throw UserError(path.string() + ": cannot write: " + std::strerror(errno));
}

void check_output_target(const fs::path& target_in) {
  if (target_in.empty()) throw UserError("output directory: the path is empty");
  const fs::path target = strip_trailing(target_in);
  const std::string last = target.filename().string();
  if (target == "/" || last.empty() || last == "." || last == "..")
    throw refuse(target_in, "is not a directory lpsim may write into (., .. and / are never used)");
  std::error_code ec;
  const fs::file_status st = fs::symlink_status(target, ec);
  if (ec && ec != std::errc::no_such_file_or_directory && ec != std::errc::not_a_directory)
    throw refuse(target_in, "cannot be examined: " + ec.message());
  if (!fs::exists(st)) return;  // created by the run
  if (fs::is_symlink(st))
    throw refuse(target_in, "is a symbolic link; give the directory itself or a new path");
  if (fs::is_regular_file(st)) throw refuse(target_in, "exists and is a file");
  if (!fs::is_directory(st))
    throw refuse(target_in, "exists and is a special file (device, fifo or socket)");
  const fs::path canon = fs::canonical(target, ec);
  if (ec) throw refuse(target_in, "cannot be examined: " + ec.message());
  const fs::path cwd = fs::canonical(fs::current_path(ec), ec);
  if (!ec && is_ancestor_or_same(canon, cwd))
    throw refuse(target_in, "is the working directory or one of its ancestors");
  if (const char* home = std::getenv("HOME"); home && *home) {
    std::error_code e2;
    const fs::path h = fs::canonical(home, e2);
    if (!e2 && h == canon) throw refuse(target_in, "is the home directory");
  }
  std::error_code e3;
  if (fs::is_empty(target, e3) && !e3) return;  // an empty directory may be used
  const auto listed = marker_files(target);
  if (!listed) throw refuse(target_in, "exists and is not an lpsim output directory");
  std::string odd;
  const std::vector<std::string> present = list_files(target, &odd);
  if (!odd.empty()) throw refuse(target_in, "holds '" + odd + "', which lpsim did not write");
  for (const std::string& f : present)
    if (f != kOutputMarker && !listed->count(f))
      throw refuse(target_in, "holds '" + f + "', which lpsim did not write");
}

OutputDir::OutputDir(const std::string& target, std::string kind) : m_kind(std::move(kind)) {
  check_output_target(target);
  m_target = strip_trailing(fs::absolute(strip_trailing(target)).lexically_normal());
  // Nothing is created yet, but the nearest existing ancestor must be a writable directory.
  fs::path p = m_target.parent_path();
  std::error_code ec;
  while (!p.empty() && !fs::exists(fs::symlink_status(p, ec)) && p != p.parent_path())
    p = p.parent_path();
  if (!fs::is_directory(p, ec))
    throw UserError(target + ": cannot create the output directory: " + p.string() +
                    " is not a directory");
  if (::access(p.c_str(), W_OK | X_OK) != 0)
    throw UserError(target + ": cannot create the output directory: " + p.string() + ": " +
                    std::strerror(errno));
}

const fs::path& OutputDir::staging() {
  if (!m_staging.empty()) return m_staging;
  const fs::path parent = m_target.parent_path();
  const std::string name = m_target.filename().string();
  std::error_code ec;
  fs::create_directories(parent, ec);
  if (ec || !fs::is_directory(parent))
    throw UserError(m_target.string() + ": cannot create the output directory" +
                    (ec ? ": " + ec.message() : std::string()));
  // Under the parent's lock: remove stale staging directories, then create and lock ours, so
  // another process's cleaning never sees ours unlocked.
  Lock parent_lock(parent, true);
  clean_stale(parent, name);
  fs::path staging;
  for (int attempt = 0;; ++attempt) {
    staging = parent / ("." + name + kStagingTag + unique_suffix());
    if (fs::create_directory(staging, ec) && !ec) break;
    if (attempt > 100 || (ec && ec != std::errc::file_exists))
      throw UserError(m_target.string() + ": cannot create the output directory" +
                      (ec ? ": " + ec.message() : std::string()));
  }
  m_staging = staging;
  Lock own(m_staging, false);
  if (!own.held()) throw UserError(m_staging.string() + ": cannot lock the staging directory");
  m_lock_fd = own.release();
  write_text_file(m_staging / kStagingFile, "lpsim staging directory of " + invocation() + "\n");
  return m_staging;
}

OutputDir::~OutputDir() {
  if (!m_committed && !m_staging.empty()) {
    std::error_code ec;
    fs::remove_all(m_staging, ec);
  }
  if (m_lock_fd >= 0) ::close(m_lock_fd);
}

void OutputDir::write_file(const std::string& name, const std::string& text) {
  write_text_file(staging() / name, text);
}

void OutputDir::commit() {
  staging();
  std::error_code ec;
  std::vector<std::string> files = list_files(m_staging, nullptr);
  files.erase(
      std::remove_if(files.begin(), files.end(),
                     [](const std::string& f) { return f == kStagingFile || f == kOutputMarker; }),
      files.end());
  kill_point("staged");
  write_text_file(m_staging / kOutputMarker, marker_text(m_kind, files));
  fs::remove(m_staging / kStagingFile, ec);
  kill_point("marked");

  fs::path old;
  {
    Lock parent_lock(m_target.parent_path(), true);
    check_output_target(m_target);  // again: the target may have changed during the run
    const fs::file_status st = fs::symlink_status(m_target, ec);
    const bool replace = fs::exists(st) && !fs::is_empty(m_target, ec);
    if (!replace) {
      if (::rename(m_staging.c_str(), m_target.c_str()) != 0)
        throw UserError(m_target.string() +
                        ": cannot move the output directory into place: " + std::strerror(errno));
    } else if (::renameat2(AT_FDCWD, m_staging.c_str(), AT_FDCWD, m_target.c_str(),
                           RENAME_EXCHANGE) == 0) {
      old = m_staging;  // the previous output now sits at the staging name
    } else {
      if (errno != EINVAL && errno != ENOSYS)
        throw UserError(m_target.string() +
                        ": cannot move the output directory into place: " + std::strerror(errno));
      // No atomic exchange on this file system: the target is briefly absent.
      old =
          m_target.parent_path() / ("." + m_target.filename().string() + kOldTag + unique_suffix());
      if (::rename(m_target.c_str(), old.c_str()) != 0 ||
          ::rename(m_staging.c_str(), m_target.c_str()) != 0)
        throw UserError(m_target.string() +
                        ": cannot move the output directory into place: " + std::strerror(errno));
    }
    m_committed = true;
    kill_point("swapped");
  }
  if (!old.empty()) {
    // Killed during the removal, a hidden leftover remains; its name marks it for the next run.
    fs::remove(old / kOutputMarker, ec);
    kill_point("removing");
    fs::remove_all(old, ec);
  }
}

void publish_files(const fs::path& dir_in,
                   const std::vector<std::pair<std::string, std::string>>& files,
                   const std::string& kind) {
  const fs::path dir = strip_trailing(dir_in);
  std::error_code ec;
  const fs::file_status st = fs::symlink_status(dir, ec);
  if (fs::is_symlink(st))
    throw refuse(dir, "is a symbolic link; give the directory itself or a new path");
  if (fs::exists(st) && !fs::is_directory(st)) throw refuse(dir, "exists and is not a directory");
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir))
    throw UserError(dir.string() + ": cannot create output directory" +
                    (ec ? ": " + ec.message() : std::string()));
  Lock lock(dir, true);
  const auto marker = marker_files(dir);
  if (!marker && fs::exists(fs::symlink_status(dir / kOutputMarker, ec)))
    throw refuse(dir / kOutputMarker, "exists and was not written by lpsim");
  const std::set<std::string> listed = marker.value_or(std::set<std::string>{});
  for (const auto& [name, text] : files) {
    const fs::file_status fst = fs::symlink_status(dir / name, ec);
    if (fs::exists(fst) && (!fs::is_regular_file(fst) || !listed.count(name)))
      throw refuse(dir / name, "exists and was not written by lpsim");
  }
  std::vector<fs::path> temps;
  auto cleanup = [&] {
    std::error_code e2;
    for (const fs::path& t : temps) fs::remove(t, e2);
  };
  try {
    const std::string suffix = unique_suffix();
    for (const auto& [name, text] : files) {
      temps.push_back(dir / ("." + name + ".lpsim-tmp." + suffix));
      write_text_file(temps.back(), text);
    }
    std::set<std::string> all = listed;
    for (const auto& f : files) all.insert(f.first);
    temps.push_back(dir / (std::string(".") + kOutputMarker + ".lpsim-tmp." + suffix));
    write_text_file(temps.back(),
                    marker_text(kind, std::vector<std::string>(all.begin(), all.end())));
    // The marker first: killed between the renames, it lists a file that is not there yet
    // (harmless), never a file of lpsim's that it does not list.
    if (::rename(temps.back().c_str(), (dir / kOutputMarker).c_str()) != 0)
      throw UserError((dir / kOutputMarker).string() +
                      ": cannot move into place: " + std::strerror(errno));
    for (std::size_t i = 0; i < files.size(); ++i)
      if (::rename(temps[i].c_str(), (dir / files[i].first).c_str()) != 0)
        throw UserError((dir / files[i].first).string() +
                        ": cannot move into place: " + std::strerror(errno));
  } catch (...) {
    cleanup();
    throw;
  }
}

}  // namespace lpsim::sim
