// Stand-alone driver for the fuzz targets in the normal build: runs LLVMFuzzerTestOneInput on
// every file named (directories: every file in them, in name order, dot files skipped; a
// directory that does not exist has no inputs), so `make test` replays the committed seed corpus
// and every crash input kept under tests/fuzz/regressions/. An input whose file name starts with
// "reject-" must be rejected with a user error (bad input that was once accepted or crashed).
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tests/fuzz/fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  for (int i = 1; i < argc; ++i) {
    const fs::path p(argv[i]);
    if (fs::is_directory(p)) {
      std::vector<fs::path> in_dir;
      for (const auto& e : fs::directory_iterator(p))
        if (e.is_regular_file() && e.path().filename().string()[0] != '.')
          in_dir.push_back(e.path());
      std::sort(in_dir.begin(), in_dir.end());
      files.insert(files.end(), in_dir.begin(), in_dir.end());
    } else if (fs::is_regular_file(p)) {
      files.push_back(p);
    } else if (!fs::exists(p)) {
      std::fprintf(stderr, "replay: %s: none\n", argv[i]);
    } else {
      std::fprintf(stderr, "replay: %s: not a file or directory\n", argv[i]);
      return 2;
    }
  }
  if (files.empty()) {
    std::fprintf(stderr, "replay: no inputs\n");
    return 2;
  }
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::fprintf(stderr, "replay: %s (%zu bytes)\n", f.string().c_str(), bytes.size());
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    if (f.filename().string().rfind("reject-", 0) == 0 && !lpsim::fuzz::last_input_rejected()) {
      std::fprintf(stderr, "replay: %s was accepted; it must be rejected with a user error\n",
                   f.string().c_str());
      return 1;
    }
  }
  std::printf("replay: %zu inputs, no finding\n", files.size());
  return 0;
}
