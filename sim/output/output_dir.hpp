// Output directories that never lose a user's data (docs/reliability.md).
//
// Every command that writes a directory of results goes through OutputDir:
//   - the target path is checked before any work is done: it may be absent (created), an empty
//     directory, or an lpsim output directory (its marker lpsim-run.json lists every entry in
//     it, and nothing else is there); anything else — a file, a special file, a symbolic link,
//     a directory with other content, `.`, `..`, `/`, the home directory, the working directory
//     or one of its ancestors — is refused with a UserError and nothing is changed;
//   - the files are written into a hidden staging directory beside the target
//     (`.NAME.lpsim-staging.PID.N`), locked (flock) for as long as this process lives;
//   - commit() writes the marker last and moves the staging directory into place under a lock
//     on the parent directory: a rename onto an absent or empty target, or an atomic exchange
//     (renameat2 RENAME_EXCHANGE) with a previous lpsim output, whose old copy is then removed.
// So the target is at every moment absent, the previous complete output, or the new complete
// output; two commands on one target each complete, the later one wins, and no mixture is
// ever seen. Staging directories left by a killed process (their lock is free) are removed by
// the next command on the same target.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace lpsim::sim {

// The marker file lpsim writes into every output directory.
inline constexpr const char* kOutputMarker = "lpsim-run.json";

// The command line, recorded in markers (set once by main).
void set_invocation(int argc, char** argv);
const std::string& invocation();

class OutputDir {
 public:
  // Checks the target (and that it can be created); changes nothing on disk. `kind` names the
  // command ("run", "lpq", …) in the marker. Throws UserError.
  OutputDir(const std::string& target, std::string kind);
  ~OutputDir();  // removes the staging directory unless committed
  OutputDir(const OutputDir&) = delete;
  OutputDir& operator=(const OutputDir&) = delete;

  // The staging directory, created (with the target's missing parents) on first use.
  const std::filesystem::path& staging();
  const std::filesystem::path& target() const { return m_target; }

  // Writes one file into the staging directory; any write error (a full disk, a file-size
  // limit) is a UserError naming the file.
  void write_file(const std::string& name, const std::string& text);

  // Writes the marker and moves the staging directory into place (see above).
  void commit();

 private:
  std::filesystem::path m_target, m_staging;
  std::string m_kind;
  int m_lock_fd = -1;  // flock on the staging directory while this process owns it
  bool m_committed = false;
};

// Checks that `target` may receive an lpsim output directory; throws UserError otherwise.
void check_output_target(const std::filesystem::path& target);

// Writes `files` into the existing or new directory `dir` without touching anything else in
// it: each file is written beside its final name and renamed into place. A file that exists
// already is replaced only when `dir`'s marker says lpsim wrote it; the marker is updated to
// list the files. Used by `lpsim scalesim -p`, whose reports share a log directory.
void publish_files(const std::filesystem::path& dir,
                   const std::vector<std::pair<std::string, std::string>>& files,
                   const std::string& kind);

// Writes `text` to `path` and checks that every byte reached the file (a full disk, a
// file-size limit): throws UserError naming the file.
void write_text_file(const std::filesystem::path& path, const std::string& text);

}  // namespace lpsim::sim
