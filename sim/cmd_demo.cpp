// `lpsim demo`: what `make run` runs until `lpsim run` exists — LP formats at work.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <random>
#include <vector>

#include "sim/commands.hpp"
#include "sw/formats/format_parse.hpp"
#include "sw/formats/lp_format.hpp"
#include "sw/formats/metrics.hpp"

namespace lpsim::cli {

void add_demo_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("demo", "Quantize a seeded Gaussian tensor in each format and "
                                         "report the error (the default job of `make run`)");
  auto seed = std::make_shared<unsigned>(7);
  auto count = std::make_shared<std::size_t>(100000);
  cmd->add_option("--seed", *seed, "random seed")->capture_default_str();
  cmd->add_option("--count", *count, "number of values")->capture_default_str()->check(
      CLI::Range(std::size_t{1}, std::size_t{100000000}));
  cmd->callback([seed, count] {
    std::mt19937_64 rng(*seed);
    std::normal_distribution<float> dist(0.0f, 0.05f);  // a typical conv weight spread
    std::vector<float> x(*count);
    for (float& v : x) v = dist(rng);
    const int sf = fmt::best_lp_sf(8, 2, 3, x.data(), x.size());
    std::printf("demo: %zu values ~ N(0, 0.05^2), seed %u; best sf for lp<8,2,3,*> is %d\n",
                x.size(), *seed, sf);
    std::printf("%-22s %12s %14s %12s\n", "format", "rmse", "max_rel_err", "dec_acc");
    const std::vector<std::string> names = {
        "lp<8,2,3," + std::to_string(sf) + ">", "lp<8,2,3,0>", "posit<8,2>", "posit<8,0>",
        "fp8_e4m3", "fp8_e5m2", "int:8", "af:8,3", "lp<4,1,3," + std::to_string(sf) + ">",
        "int:4"};
    std::vector<double> xd(x.begin(), x.end()), qd(x.size());
    std::vector<std::uint16_t> codes(x.size());
    for (const auto& name : names) {
      auto f = fmt::parse_format(name, x.data(), x.size());
      f->quantize(x.data(), codes.data(), nullptr, codes.size());
      for (std::size_t i = 0; i < codes.size(); ++i) qd[i] = f->decode(codes[i]);
      const fmt::ErrorStats s = fmt::error_stats(xd.data(), qd.data(), xd.size());
      std::printf("%-22s %12.6g %14.6g %12.4f\n", f->name().c_str(), s.rmse, s.max_rel_error,
                  s.mean_decimal_acc);
    }
  });
}

}  // namespace lpsim::cli
